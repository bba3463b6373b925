"""An aligned folder opened for training, and its chronological split."""

import numpy as np
import pytest
from conftest import make_dataset

from filmcolor.dataset.split import load_aligned, split_ranges
from filmcolor.errors import DatasetError


def test_split_is_chronological_disjoint_and_snapped_to_cuts():
    shots = np.repeat(np.arange(10), [9, 11, 10, 10, 12, 8, 10, 10, 9, 11])
    cuts = set((np.flatnonzero(np.diff(shots)) + 1).tolist())
    r = split_ranges(shots)
    assert (
        r["train"].start == 0
        and r["train"].stop == r["val"].start
        and r["val"].stop == r["test"].start
    )
    assert r["test"].stop == len(shots)
    assert {r["val"].start, r["test"].start} <= cuts
    for a, b in (("train", "val"), ("val", "test")):
        assert set(shots[list(r[a])]).isdisjoint(shots[list(r[b])]), "no shot in two splits"
    # The cut nearest the test boundary (90) is the val boundary (84): the test split starts at the
    # next cut instead, not inside a shot.
    r = split_ranges(np.repeat(np.arange(3), [84, 14, 2]))
    assert (r["val"].start, r["test"].start) == (84, 98)
    plain = split_ranges(shots, snap=False)
    assert (plain["val"].start, plain["test"].start) == (80, 90)
    with pytest.raises(DatasetError, match="cannot split"):
        split_ranges(np.zeros(40, int), (0.98, 0.01, 0.01), snap=False)


def test_bad_datasets_are_refused(tmp_path):
    with pytest.raises(DatasetError, match="no aligned dataset"):
        load_aligned(tmp_path / "nothing")
    small = make_dataset(tmp_path / "small", n=10)
    with pytest.raises(DatasetError, match="only 10 pairs"):
        load_aligned(small)
    broken = make_dataset(tmp_path / "broken")
    np.save(broken / "color.npy", np.zeros((96, 32, 32), np.uint8))
    with pytest.raises(DatasetError, match="color.npy"):
        load_aligned(broken)
    (broken / "pairs.csv").unlink()
    with pytest.raises(DatasetError, match="pairs.csv is missing"):
        load_aligned(broken)
