"""Regenerate dlpath/exercises/datasets/digits.npz from scikit-learn's copy of the UCI optdigits test set.

scikit-learn is needed only here, never by dlpath: run this in a throwaway environment,

    python3 -m venv /tmp/sk && /tmp/sk/bin/pip install scikit-learn numpy
    /tmp/sk/bin/python scripts/make_digits.py

The file holds three arrays: ``images`` (1797, 8, 8) uint8 in 0..16, ``labels`` (1797,) uint8 in 0..9,
and ``test_mask`` (1797,) bool, the fixed train/test split: in each class, a seeded random 20% (rounded
to the nearest whole image) is the test set. The split is stored, not recomputed, so it can never drift
with a NumPy version. The zip entries carry a fixed timestamp, so the same input gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "dlpath" / "exercises" / "datasets" / "digits.npz"
SPLIT_SEED = 20160101  # the year of the reading path's article; any fixed number would do
TEST_FRACTION = 0.2


def fixed_split(labels: np.ndarray) -> np.ndarray:
    """A boolean mask of the test images: in each class, a seeded random TEST_FRACTION of its images."""
    rng = np.random.default_rng(SPLIT_SEED)
    mask = np.zeros(len(labels), dtype=bool)
    for digit in range(10):
        members = np.flatnonzero(labels == digit)
        chosen = rng.permutation(members)[: round(TEST_FRACTION * len(members))]
        mask[chosen] = True
    return mask


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like ``np.savez_compressed``, but byte for byte reproducible (fixed entry timestamps and order)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1998, 7, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            entry = io.BytesIO()
            np.lib.format.write_array(entry, np.ascontiguousarray(array), allow_pickle=False)
            archive.writestr(info, entry.getvalue(), compresslevel=9)
    path.write_bytes(buffer.getvalue())


def main() -> int:
    from sklearn.datasets import load_digits  # only this script needs scikit-learn

    digits = load_digits()
    images = digits.images.astype(np.uint8)
    labels = digits.target.astype(np.uint8)
    if not np.array_equal(images, digits.images) or images.shape != (1797, 8, 8) or images.max() > 16:
        print("error: scikit-learn's digits are not 1797 8x8 images of integers 0..16", file=sys.stderr)
        return 1
    mask = fixed_split(labels)
    write_npz(OUT, {"images": images, "labels": labels, "test_mask": mask})
    content = hashlib.sha256(images.tobytes() + labels.tobytes() + mask.tobytes()).hexdigest()
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes): {len(labels)} images, {int(mask.sum())} in the test set")
    print(f"file sha256    {hashlib.sha256(OUT.read_bytes()).hexdigest()}")
    print(f"content sha256 {content}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
