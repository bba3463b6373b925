"""The colour release as SD video comes: its fields measured, decoded through the right chain."""

import numpy as np
import pytest
from conftest import LOGO

from filmcolor.alignment.aligner import align
from filmcolor.alignment.fields import release_decoding
from filmcolor.alignment.folder import AlignedFolder
from filmcolor.errors import AlignmentError
from filmcolor.io.video import probe
from pipelines.field_truth import clean_sources, picture_fields
from pipelines.score_alignment import score


def test_a_telecined_release_yields_only_uncombed_pairs_and_its_fields_only_frames(sd_release):
    release = sd_release("telecine", logo=LOGO)
    aligned = sd_release.aligned("telecine")
    m = AlignedFolder(aligned).manifest
    assert (m.color_fields.kind, m.color_fields.order) == ("telecine", "tff")
    assert m.color_decoding.filters.startswith("fieldmatch=order=tff:")
    assert m.color_decoding.filters.endswith("decimate=scthresh=100")
    assert (
        m.color_decoding.cycle == (5, 4) and m.color_pictures < probe(release / "color.mpg").frames
    )
    r = score(release, aligned)
    assert r["precision"] == 1.0, "both fields of every pair's colour frame show its film frame"
    assert r["coverage"] >= 0.98 and r["fields_only_covered"] >= 0.95 * r["fields_only"] > 0
    assert (aligned / "release.png").stat().st_size > 5000


def test_a_plain_decode_of_the_same_release_would_pair_combed_frames(sd_release):
    """What the chain saves: decoded as it is, two frames in five mix two film frames."""
    release = sd_release("telecine", logo=LOGO)
    import json

    fields = json.loads((release / "truth.json").read_text())["color"]["fields"]
    _, plain = release_decoding(probe(release / "color.mpg"), "progressive")
    shown = clean_sources(picture_fields(release / "color.mpg", plain, fields))
    assert (shown < 0).mean() > 0.3


def test_an_interlaced_release_is_deinterlaced_one_picture_a_field(sd_release):
    release = sd_release("interlaced", "interlaced")
    aligned = sd_release.aligned("interlaced")
    m = AlignedFolder(aligned).manifest
    assert m.color_fields.kind == "interlaced"
    assert m.color_decoding.filters.startswith("bwdif=mode=send_field")
    r = score(release, aligned)
    assert r["precision"] >= 0.99 and r["coverage"] >= 0.95, "every film frame is a field"


def test_a_misflagged_field_order_is_measured_not_trusted(sd_release):
    release = sd_release("misflagged", "misflagged")
    aligned = sd_release.aligned("misflagged")
    fields = AlignedFolder(aligned).manifest.color_fields
    assert (fields.order, fields.flagged, fields.misflagged) == ("tff", "bff", True)
    assert score(release, aligned)["precision"] == 1.0


def test_a_release_mixing_telecine_and_video_still_aligns(sd_release):
    release = sd_release("mixed", "mixed")
    aligned = sd_release.aligned("mixed")
    fields = AlignedFolder(aligned).manifest.color_fields
    assert fields.kind == "mixed" and {k for *_, k in fields.stretches} >= {"telecine"}
    r = score(release, aligned)
    assert r["precision"] >= 0.99 and r["coverage"] >= 0.4  # the telecined half, at least


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
