"""The 8x8 handwritten digits shipped with dlpath (UCI optdigits test set), and their fixed train/test split.

``digits.npz`` beside this module holds 1,797 images of 8x8 pixels, each an integer 0..16 (how many of
a 4x4 block's 16 pixels were inked), their labels 0..9, and the split: 1,438 training and 359 test
images, the same 20% of every class for everyone (see README.md here for origin, citation and licence,
and ``scripts/make_digits.py`` for how the file was made).
"""

from __future__ import annotations

from importlib.resources import files
from typing import NamedTuple

import numpy as np

from dlpath.errors import DlpathError
from dlpath.exercises.registry import DIGITS_DATA as ORIGIN  # noqa: F401 - origin and licence, in one place

DIGITS_FILE = "digits.npz"
N_IMAGES = 1797
N_TRAIN = 1438
N_TEST = 359
MAX_PIXEL = 16
# sha256 of images.tobytes() + labels.tobytes() + test_mask.tobytes(), as printed by scripts/make_digits.py
CONTENT_SHA256 = "621bffd4e04735de593d3476a2edad933cd826ce58a1e8e51d454b48aaf2160b"


class Digits(NamedTuple):
    """Digit images and their labels: ``images`` (n, 8, 8) uint8 in 0..16, ``labels`` (n,) uint8 in 0..9."""

    images: np.ndarray
    labels: np.ndarray

    @property
    def inputs(self) -> np.ndarray:
        """The images as network inputs: X of shape (n, 64), float64, each pixel divided by 16 into [0, 1]."""
        return images_to_inputs(self.images)


class DigitsSplit(NamedTuple):
    """The fixed split: ``train`` (1,438 images) and ``test`` (359 images), disjoint, 20% of each class in test."""

    train: Digits
    test: Digits


def images_to_inputs(images: np.ndarray) -> np.ndarray:
    """Images of shape (n, 8, 8) with pixels 0..16 as rows of X, shape (n, 64), float64 in [0, 1] (row by row)."""
    return images.reshape(len(images), -1) / float(MAX_PIXEL)


def _read() -> dict[str, np.ndarray]:
    path = files(__name__) / DIGITS_FILE
    try:
        with path.open("rb") as stream, np.load(stream, allow_pickle=False) as archive:
            return {name: archive[name] for name in ("images", "labels", "test_mask")}
    except (OSError, ValueError, KeyError) as error:
        raise DlpathError(
            f"the bundled digits data ({path}) cannot be read ({error}): reinstall dlpath"
        ) from None


def load_digits() -> DigitsSplit:
    """All 1,797 digits, split into the fixed training set (1,438) and test set (359)."""
    arrays = _read()
    test_mask = arrays["test_mask"]
    images, labels = arrays["images"], arrays["labels"]
    return DigitsSplit(
        train=Digits(images[~test_mask], labels[~test_mask]),
        test=Digits(images[test_mask], labels[test_mask]),
    )


def load_all_digits() -> Digits:
    """All 1,797 digits in the file's order (scikit-learn's), ignoring the split."""
    arrays = _read()
    return Digits(arrays["images"], arrays["labels"])
