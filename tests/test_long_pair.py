"""The long pair builder (pipelines.cases.long_pair) and the alignment scorer on its truth."""

import csv
import json

import numpy as np
import pytest

from filmcolor.io.video import FrameReader, probe
from pipelines.cases.long_edit import ID_BASE, Cut
from pipelines.cases.long_pair import load_source, make_long_pair
from pipelines.scores.alignment import score


@pytest.fixture(scope="module")
def long_pair(easy_pair, tmp_path_factory):
    """Two reels of the synthetic pair's six shots, the second with a flashback of the first."""
    out = tmp_path_factory.mktemp("long") / "pair"
    truth = make_long_pair(out, Cut(0.4, seed=3, reuse=1.0), easy_pair)
    return out, truth


def _luma(path):
    with FrameReader(probe(path), pix_fmt="gray") as r:
        return np.concatenate(list(r)).astype(np.float32)


def test_truth_says_what_each_frame_of_both_files_shows(long_pair, easy_pair):
    out, truth = long_pair
    source = json.loads((easy_pair / "truth.json").read_text())
    assert len(truth["reels"]) == 2 and truth["reels"][1]["reuse"]["from_reel"] == 0
    for rel in ("bw", "color"):
        ids = np.array(truth[rel]["frames"])
        assert probe(out / f"{rel}.mp4").frames == len(ids)
        shown = set(source[rel]["frames"]) - {-1}
        assert set(ids[ids >= 0] % ID_BASE) <= shown
        # reel 0 shows the source's whole picture: each frame of it is the source frame its id
        # names (up to a fade's gain), and unlike the frame three before it
        frames, src = _luma(out / f"{rel}.mp4"), _luma(easy_pair / f"{rel}.mp4")
        row = {s: k for k, s in enumerate(source[rel]["frames"]) if s >= 0}
        faint = set(truth[rel]["faint"])
        reel0 = range(truth["reels"][1][f"{rel}_start"])
        ks = [k for k in reel0 if 0 <= ids[k] < ID_BASE and k not in faint][::10]
        same = [np.corrcoef(frames[k].ravel(), src[row[ids[k]]].ravel())[0, 1] for k in ks]
        other = [np.corrcoef(frames[k].ravel(), src[row[ids[k]] - 3].ravel())[0, 1] for k in ks]
        assert len(ks) > 10 and min(same) > 0.95 and np.median(other) < 0.8


def test_no_picture_is_shown_twice_but_the_flashback(long_pair, easy_pair):
    out, truth = long_pair
    bw = np.array(truth["bw"]["frames"])
    ids, counts = np.unique(bw[bw >= 0], return_counts=True)
    reuse = truth["reels"][1]["reuse"]
    shots = load_source(easy_pair).shots
    flashback = {
        reuse["variant"] * ID_BASE + s for j in reuse["shots"] for s in range(*shots[j][1:])
    }
    assert set(ids[counts > 1]) == flashback & set(bw.tolist()) and flashback
    co = np.array(truth["color"]["frames"])
    ids, counts = np.unique(co[co >= 0], return_counts=True)
    assert set(ids[counts > 1]) <= flashback


def _pairs(folder, rows):
    folder.mkdir()
    with open(folder / "pairs.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["pair", "bw_frame", "color_frame"])
        w.writerows((i, b, c) for i, (b, c) in enumerate(rows))
    return folder


def test_the_scorer_on_perfect_and_imperfect_pairs(long_pair, tmp_path):
    out, truth = long_pair
    tb, tc = np.array(truth["bw"]["frames"]), np.array(truth["color"]["frames"])
    first = {int(s): k for k, s in reversed(list(enumerate(tc))) if s >= 0}
    faint = {int(tb[k]) for k in truth["bw"]["faint"]} | {
        int(tc[k]) for k in truth["color"]["faint"]
    }
    perfect = [(k, first[s]) for k, s in enumerate(tb) if s in first]
    r = score(out, _pairs(tmp_path / "perfect", perfect))
    assert r["precision"] == 1 and r["coverage"] == 1 and r["reused_coverage"] == 1
    assert r["shared_source_frames"] == len(set(first) - faint)
    # the faint frames are not asked for
    bright = [(b, c) for b, c in perfect if tb[b] not in faint]
    assert score(out, _pairs(tmp_path / "bright", bright))["coverage"] == 1
    # half the pictures, ten pairs on a card, no pair on the flashback's pictures
    ids, counts = np.unique(tb[tb >= 0], return_counts=True)
    reused = set(ids[counts > 1].tolist())
    half = [(b, c) for b, c in bright if tb[b] % 2 == 0 and tb[b] not in reused]
    cards = [(int(k), 0) for k in np.flatnonzero(tb < 0)[:10]]
    r = score(out, _pairs(tmp_path / "half", half + cards))
    asked = set(first) - faint
    covered = {int(tb[b]) for b, _ in half}
    assert r["precision"] == pytest.approx(len(half) / (len(half) + 10))
    assert r["coverage"] == pytest.approx(len(covered) / len(asked)) and 0 < r["coverage"] < 0.5
    assert r["reused_coverage"] == 0
