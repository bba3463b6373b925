"""The colour release as SD video comes: its fields measured, decoded through the right chain."""

import json
from dataclasses import replace
from fractions import Fraction
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from conftest import LOGO

from filmcolor.alignment.aligner import align
from filmcolor.alignment.fields import FieldStructure, _frames, chain, release_decoding
from filmcolor.alignment.folder import AlignedFolder
from filmcolor.alignment.stretches import combing, mixed_stretches
from filmcolor.errors import AlignmentError
from filmcolor.io.frames import frames_at
from filmcolor.io.video import FrameReader, probe
from pipelines.scores.alignment import score
from pipelines.scores.field_truth import clean_sources, picture_fields


def test_a_telecined_release_yields_only_uncombed_pairs_and_its_fields_only_frames(sd_release):
    release = sd_release("telecine", logo=LOGO)
    aligned = sd_release.aligned("telecine")
    m = AlignedFolder(aligned).manifest
    assert (m.colour_fields.kind, m.colour_fields.order) == ("telecine", "tff")
    assert m.colour_decoding.filters.startswith("fieldmatch=order=tff:")
    assert m.colour_decoding.filters.endswith("decimate=scthresh=100")
    assert (
        m.colour_decoding.cycle == (5, 4)
        and m.colour_pictures < probe(release / "color.mpg").frames
    )
    r = score(release, aligned)
    assert r["precision"] == 1.0, "both fields of every pair's colour frame show its film frame"
    assert r["coverage"] >= 0.98 and r["fields_only_covered"] >= 0.95 * r["fields_only"] > 0
    assert (aligned / "release.png").stat().st_size > 5000


def test_telecine_with_noisy_fields_and_a_still_opening_is_telecine_throughout(sd_release):
    """A capture's noise makes a repeated field near its twin, not equal, and the opening card
    shows nothing: the fields' steady cadence still says telecine, never video or a mix."""
    release = sd_release("noisy", noise=12)
    aligned = sd_release.aligned("noisy")
    fields = AlignedFolder(aligned).manifest.colour_fields
    assert (fields.kind, fields.order, fields.windows.get("interlaced")) == (
        "telecine",
        "tff",
        None,
    )
    r = score(release, aligned)
    assert r["precision"] >= 0.99 and r["coverage"] >= 0.97


def test_a_plain_decode_of_the_same_release_would_pair_combed_frames(sd_release):
    """What the chain saves: decoded as it is, two frames in five mix two film frames."""
    release = sd_release("telecine", logo=LOGO)
    fields = json.loads((release / "truth.json").read_text())["color"]["fields"]
    _, plain = release_decoding(probe(release / "color.mpg"), "progressive")
    shown = clean_sources(picture_fields(release / "color.mpg", plain, fields))
    assert (shown < 0).mean() > 0.3


def test_an_interlaced_release_is_deinterlaced_one_picture_a_field(sd_release):
    release = sd_release("interlaced", "interlaced")
    aligned = sd_release.aligned("interlaced")
    m = AlignedFolder(aligned).manifest
    assert m.colour_fields.kind == "interlaced"
    assert m.colour_decoding.filters.startswith("bwdif=mode=send_field")
    r = score(release, aligned)
    assert r["precision"] >= 0.99 and r["coverage"] >= 0.95, "every film frame is a field"


def test_a_misflagged_field_order_is_measured_not_trusted(sd_release):
    release = sd_release("misflagged", "misflagged")
    aligned = sd_release.aligned("misflagged")
    fields = AlignedFolder(aligned).manifest.colour_fields
    assert (fields.order, fields.flagged, fields.misflagged) == ("tff", "bff", True)
    assert score(release, aligned)["precision"] == 1.0


def test_a_release_mixing_telecine_and_video_decodes_each_stretch_by_its_kind(sd_release):
    release = sd_release("mixed", "mixed")
    aligned = sd_release.aligned("mixed")
    m = AlignedFolder(aligned).manifest
    assert m.colour_fields.kind == "mixed"
    assert [k for *_, k in m.colour_fields.stretches] == ["telecine", "interlaced"]
    parts = m.colour_decoding.parts
    assert [p[2] for p in parts] == ["telecine", "interlaced"] and m.colour_decoding.seekable
    assert parts[0][3].startswith("fieldmatch") and parts[1][3].startswith("bwdif=mode=send_field")
    # The cut lies between the telecine's last frame and the video's first (truth: the first
    # frame whose film frames step by two to the next frame's); the video part is read from a
    # cycle (a frame) before it, that picture dropped.
    truth = json.loads((release / "truth.json").read_text())["color"]["fields"]
    first_video = next(k for k in range(len(truth) - 1) if truth[k + 1][0] - truth[k][0] == 2)
    stretch = m.colour_fields.stretches[1][0] - probe(release / "color.mpg").start_time
    assert abs(stretch * float(probe(release / "color.mpg").fps) - (first_video - 0.5)) < 0.1
    assert parts[1][3].endswith(",trim=start_frame=2")
    # Its pictures are counted to the video's first (the join), so seeks inside the telecine, to
    # the join and inside the video give the same pictures as a decode from the start.
    info, decoding = probe(release / "color.mpg"), m.colour_decoding
    whole = np.concatenate(list(FrameReader(info, size=(48, 32), decoding=decoding)))
    j = decoding.joins[0]
    wanted = [37, j - 1, j, j + 3, j + 60]
    got = frames_at(info, wanted, size=(48, 32), seek=1, decoding=decoding)
    assert all(np.array_equal(g, whole[k]) for g, k in zip(got, wanted))
    r = score(release, aligned)
    assert r["precision"] >= 0.99 and r["coverage"] >= 0.95
    assert r["fields_only_covered"] >= 0.95 * r["fields_only"]


def test_a_release_mixing_soft_and_hard_pulldown_is_counted_and_seeks(sd_release):
    """Soft pulldown (23.976 coded, flagged to repeat fields), then hard telecine, as some DVDs
    hold: the soft stretch decoded as coded, its pictures counted from its frames' timestamps
    (1 and 1.5 frames apart) to the telecine's first, seeks giving a decode's pictures."""
    release = sd_release("softmix", "mixed", mix=("soft", "telecine"))
    aligned = sd_release.aligned("softmix")
    m = AlignedFolder(aligned).manifest
    assert [k for *_, k in m.colour_fields.stretches] == ["soft", "telecine"]
    decoding = m.colour_decoding
    assert decoding.parts[0][3] == "" and decoding.seekable and decoding.steady == (False, False)
    info = probe(release / "color.mpg")
    whole = np.concatenate(list(FrameReader(info, size=(48, 32), decoding=decoding)))
    j = decoding.joins[0]
    assert abs(float(decoding.fps) - 24000 / 1001) < 0.3, "both kinds make 23.976 pictures"
    wanted = [37, j - 1, j, j + 3, j + 40, len(whole) - 1]
    got = frames_at(info, wanted, size=(48, 32), seek=1, decoding=decoding)
    assert all(np.array_equal(g, whole[k]) for g, k in zip(got, wanted))
    r = score(release, aligned)
    assert r["precision"] >= 0.99 and r["coverage"] >= 0.95


def test_a_mixed_files_one_second_noise_is_dropped_and_two_kinds_cut_halfway():
    windows = [(t, "interlaced") for t in range(5)] + [(5, "progressive")]
    windows += [(t, "interlaced") for t in (6, 7)] + [(t, "unknown") for t in (8, 9)]
    windows += [(t, "shifted") for t in range(10, 14)]
    info = SimpleNamespace(fps=Fraction(30000, 1001))
    got = mixed_stretches(info, windows, [])
    assert got == [(0, 9.0, "interlaced"), (9.0, 14, "shifted")]


def test_combing_tells_a_whole_frame_from_one_of_two_moments():
    """A whole frame's other field predicts its lines better than its own field does; the fields
    of two moments in motion do not."""
    rng = np.random.default_rng(0)
    picture = cv2.GaussianBlur(rng.uniform(0, 255, (120, 160)).astype(np.float32), (0, 0), 2)
    moved = np.roll(picture, 4, axis=1)
    two = picture.copy()
    two[1::2] = moved[1::2]
    assert combing(picture) < 0.8 and combing(two) > 1.2


def test_a_field_shifted_release_is_measured_so_and_field_matched(sd_release):
    release = sd_release("shifted", "shifted")
    aligned = sd_release.aligned("shifted")
    m = AlignedFolder(aligned).manifest
    assert (m.colour_fields.kind, m.colour_fields.order) == ("shifted", "bff")
    assert m.colour_decoding.filters == "fieldmatch=order=bff"
    assert score(release, aligned)["precision"] >= 0.99


def test_fields_option_overrides_the_measurement(sd_release):
    info = probe(sd_release("telecine", logo=LOGO) / "color.mpg")
    structure, decoding = release_decoding(info, "interlaced")
    assert (structure.kind, structure.chosen) == ("interlaced", "interlaced")
    assert decoding.filters == "bwdif=mode=send_field:parity=tff" and decoding.cycle == (1, 2)
    structure, decoding = release_decoding(info, "progressive")
    assert decoding.filters == "" and structure.order is None


def test_a_telecined_release_of_another_film_is_refused(sd_release, other_film, sd_pair, tmp_path):
    release = sd_release("other", pair=other_film)
    with pytest.raises(AlignmentError, match="no reliable match"):
        align(sd_pair / "bw.mp4", release / "color.mpg", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_static_logo_is_found_and_left_out_of_the_pairs_loss(sd_release):
    aligned = sd_release.aligned("telecine")
    folder = AlignedFolder.open(aligned)
    x, y, w, h = folder.manifest.overlays["color"]["box"]
    lx, ly, lw, lh, _ = LOGO
    assert abs(x - lx) <= 6 and abs(y - ly) <= 6 and abs(w - lw) <= 12 and abs(h - lh) <= 12
    assert "bw" not in folder.manifest.overlays, "the B&W release has none"
    weights = folder.overlay()
    assert weights.shape == (folder.size, folder.size)
    zero = np.argwhere(weights == 0)
    assert 0.02 < (weights == 0).mean() < 0.15, "the logo's corner, and only it, is left out"
    assert zero[:, 0].min() > folder.size / 2 and zero[:, 1].min() > folder.size / 2


def test_a_stretch_after_the_first_is_read_from_a_cycle_before_its_cut():
    """Its chain then sees the frames before its first, and that cycle's pictures are dropped:
    five frames and four pictures for telecine, one frame and two pictures for video; the first
    stretch reads from the file's start, the last to its end. The joins count the pictures."""
    info = SimpleNamespace(fps=Fraction(30000, 1001), start_time=0.5, duration=30.0, frames=899)
    stretches = ((0.5, 10.5, "telecine"), (10.5, 20.5, "interlaced"), (20.5, 30.5, "telecine"))
    structure = FieldStructure("mixed", "tff", stretches=stretches, frames=(300, 301, 304))
    decoding = chain(structure, info, "bt601", False)
    (a0, b0, _, c0), (a1, b1, _, c1), (a2, b2, _, c2) = decoding.parts
    step = 1001 / 30000
    assert (a0, b0) == (0.0, 10.0) and "trim" not in c0
    assert a1 == round(10.0 - step, 4) and b1 == 20.0 and c1.endswith(",trim=start_frame=2")
    assert a2 == round(20.0 - 5 * step, 4) and b2 is None and c2.endswith(",trim=start_frame=4")
    # Where each later stretch's pictures begin: 300 frames of telecine make 240 pictures, the
    # video's read of 301 frames 602, less the 2 of its first, dropped; its read holds 302 frames
    # where two share a timestamp.
    assert decoding.joins == (240, 840) and decoding.seekable
    joined = chain(replace(structure, frames=(300, 302, 304)), info, "bt601", False)
    assert joined.joins == (240, 842)
    assert not chain(replace(structure, frames=()), info, "bt601", False).seekable
    # Inside a stretch whose frames keep the rate, a seek goes by its cycles (a cycle before the
    # picture); inside one where two frames share a timestamp, from the stretch's read.
    steady = chain(replace(structure, steady=(True, True, False)), info, "bt601", False)
    assert steady.start(100) == (120, 96) and steady.start(240 + 7) == (299 + 3, 240 + 6)
    assert steady.start(840 + 50) == steady.start(840) == (595, 840)  # 19.8332 s: frame 595
    with pytest.raises(ValueError):
        chain(FieldStructure("mixed", "tff"), info, "bt601", False)


def test_each_stretchs_read_is_counted_by_its_frames_timestamps():
    """From the whole-file pass's flags: a later stretch's read from a cycle before its cut, and
    steady only where no two frames share a timestamp and that lead holds just a cycle; a frame
    seen by two overlapping pieces counted once, two frames sharing a timestamp twice."""
    fps = Fraction(30000, 1001)
    step = float(1 / fps)
    info = SimpleNamespace(fps=fps, start_time=0.0, duration=100.0, frames=2997)
    times = [k * step for k in range(2997)]

    def pieces(times):
        starts = [max(0.0, t - 1.0) for t in (0.0, 60.0)]
        return [{"flags": [(t, 0, 1, 1) for t in times if s <= t < s + 61]} for s in starts]

    cut = 1500.5 * step  # between frames 1500 and 1501, a cycle's read before it: 1496-1500
    stretches = ((0.0, cut, "telecine"), (cut, 100.0, "telecine"))
    assert _frames(info, pieces(times), stretches) == ((1501, 2997 - 1496), (True, True))
    # A splice: frame 1498 twice, before the cut and in the second read's lead (six frames).
    spliced = sorted(times + [times[1498]])
    assert _frames(info, pieces(spliced), stretches) == ((1502, 2998 - 1496), (False, False))
    # Another at 59.5 s, in the pieces' overlap: both frames counted, once each.
    shared = sorted(times + [times[1783]])
    assert _frames(info, pieces(shared), stretches) == ((1501, 2998 - 1496), (True, False))
