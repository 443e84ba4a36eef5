"""The shipped 8x8 digits: the exact data, its shape and label counts, and a split that never moves."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from dlpath.errors import DlpathError
from dlpath.exercises import datasets
from dlpath.exercises.datasets import load_all_digits, load_digits

# per digit 0..9, from the UCI description of optdigits.tes
UCI_TEST_SET_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def _raw() -> dict[str, np.ndarray]:
    with np.load(datasets.files(datasets.__name__) / datasets.DIGITS_FILE) as archive:
        return {name: archive[name] for name in archive.files}


def test_the_shipped_arrays_are_exactly_the_ones_the_script_wrote():
    raw = _raw()
    assert sorted(raw) == ["images", "labels", "test_mask"]
    content = raw["images"].tobytes() + raw["labels"].tobytes() + raw["test_mask"].tobytes()
    assert hashlib.sha256(content).hexdigest() == datasets.CONTENT_SHA256
    split = load_digits()
    assert np.array_equal(split.test.images, raw["images"][raw["test_mask"]])
    assert np.array_equal(split.train.labels, raw["labels"][~raw["test_mask"]])


def test_shape_types_and_pixel_range():
    everything = load_all_digits()
    assert everything.images.shape == (1797, 8, 8) and everything.images.dtype == np.uint8
    assert everything.labels.shape == (1797,) and everything.labels.dtype == np.uint8
    assert everything.images.max() == 16 and everything.images.min() == 0
    assert set(np.unique(everything.labels).tolist()) == set(range(10))


def test_label_counts_are_those_of_the_uci_test_set():
    assert np.bincount(load_all_digits().labels).tolist() == UCI_TEST_SET_COUNTS


def test_the_split_is_fixed_disjoint_and_stratified():
    first, again = load_digits(), load_digits()
    assert len(first.train.labels) == datasets.N_TRAIN == 1438
    assert len(first.test.labels) == datasets.N_TEST == 359
    assert np.array_equal(first.test.images, again.test.images)
    test_positions = np.flatnonzero(_raw()["test_mask"])
    # the same images every time, for everyone: the first test positions are part of the contract
    assert test_positions[:10].tolist() == [1, 11, 16, 24, 25, 26, 43, 47, 55, 64]
    per_class = np.bincount(first.test.labels, minlength=10)
    assert per_class.tolist() == [round(0.2 * n) for n in UCI_TEST_SET_COUNTS]
    assert (np.bincount(first.train.labels) + per_class).tolist() == UCI_TEST_SET_COUNTS


def test_inputs_are_rows_of_64_pixels_scaled_into_unit_range():
    train = load_digits().train
    X = train.inputs
    assert X.shape == (1438, 64) and X.dtype == np.float64
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.array_equal(X[0].reshape(8, 8) * 16, train.images[0])


def test_a_damaged_file_is_one_clear_error(monkeypatch, tmp_path):
    broken = tmp_path / datasets.DIGITS_FILE
    broken.write_bytes(b"not a zip file")
    monkeypatch.setattr(datasets, "files", lambda _name: tmp_path)
    with pytest.raises(DlpathError, match="cannot be read.*reinstall dlpath"):
        load_digits()
