"""Stills found in a film by content, as a user hands them over; bad stills refused by name."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from filmcolor.alignment.aligner import align
from filmcolor.alignment.folder import AlignedFolder
from filmcolor.alignment.stills import find_stills, inner, is_stills, still_files
from filmcolor.cli import main
from filmcolor.errors import FilmcolorError
from filmcolor.io.frames import frames_at
from filmcolor.io.video import probe

FRAMES = (40, 100, 170)  # B&W frames given as stills, in three shots


def colour_frame(pair, k: int) -> np.ndarray:
    """The colour release's frame showing B&W frame ``k`` (RGB)."""
    t = json.loads((pair / "truth.json").read_text())
    c = t["color"]["frames"].index(t["bw"]["frames"][k])
    return next(frames_at(probe(pair / "color.mp4"), [c]))


def write(path, rgb: np.ndarray) -> None:
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])


@pytest.fixture(scope="module")
def stills(easy_pair, tmp_path_factory):
    """Three stills of easy_pair as a user hands them: one as it is (named by its frame), one
    cropped and scaled up, one bordered and named with no number."""
    folder = tmp_path_factory.mktemp("stills")
    a, b, c = (colour_frame(easy_pair, k) for k in FRAMES)
    write(folder / f"{FRAMES[0]:07d}.png", a)
    write(folder / "shot_two.jpg", cv2.resize(b[10:102, 16:176], (320, 184)))
    write(folder / "painted.png", cv2.copyMakeBorder(c, 6, 6, 6, 6, cv2.BORDER_CONSTANT, value=0))
    return folder


def test_each_still_is_found_at_its_frame_and_placed(easy_pair, stills):
    found = find_stills(probe(easy_pair / "bw.mp4"), still_files(stills))
    by_name = {p.name: s for s in found.stills for p in [stills / s.file]}
    assert [s.frame for s in found.stills] == list(FRAMES)
    assert all(s.score > 0.9 for s in found.stills)
    x, y, w, h = by_name["shot_two.jpg"].box  # the crop, placed where it was cut from
    assert abs(x - 16) < 2 and abs(y - 10) < 2 and abs(w - 160) < 3 and abs(h - 92) < 3
    assert by_name["painted.png"].crop == (6, 6, 192, 112)  # its border cut off
    x, y, w, h = by_name["painted.png"].box
    assert abs(x) < 2 and abs(y) < 2 and abs(w - 192) < 3 and abs(h - 112) < 3
    assert found.cuts  # the film's shots, for the pairs and the render


def test_align_writes_a_stills_folder(easy_pair, stills, tmp_path):
    result = align(easy_pair / "bw.mp4", stills, tmp_path / "aligned", size=32)
    folder = AlignedFolder.open(result.out)
    assert len(folder) == 3 and folder.size == 32
    assert list(folder.frames) == list(FRAMES)
    bw, colour = folder.views()
    assert bw.shape == (3, 128, 128) and colour.shape == (3, 128, 128, 3)
    assert [s["frame"] for s in folder.manifest.stills] == list(FRAMES)
    assert (result.out / "samples.png").exists()


def test_folders_and_pictures_count_as_stills_scans_do_not(tmp_path, stills):
    scan = tmp_path / "scan"
    scan.mkdir()
    for k in range(60):
        cv2.imwrite(str(scan / f"{k:06d}.png"), np.zeros((16, 16), np.uint8))
    five = tmp_path / "five"
    five.mkdir()
    for k in range(5):
        cv2.imwrite(str(five / f"{k + 874:07d}_out.png"), np.zeros((16, 16), np.uint8))
    assert is_stills(stills) and is_stills(stills / "painted.png")
    assert is_stills(five) and is_stills(five / "%07d_out.png")
    assert len(still_files(five / "%07d_out.png")) == 5
    assert not is_stills(scan) and not is_stills(tmp_path / "film.mp4")


def test_a_still_of_another_film_is_refused_naming_it(easy_pair, other_film, stills, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for p in stills.iterdir():
        (folder / p.name).write_bytes(p.read_bytes())
    t = json.loads((other_film / "truth.json").read_text())
    c = next(i for i, s in enumerate(t["color"]["frames"]) if s >= 30)
    write(folder / "stranger.png", next(frames_at(probe(other_film / "color.mp4"), [c])))
    with pytest.raises(FilmcolorError, match="stranger.png: matches no frame"):
        align(easy_pair / "bw.mp4", folder, tmp_path / "aligned")
    assert not (tmp_path / "aligned").exists()


@pytest.mark.parametrize(
    "what, message",
    [("empty", "no picture in it"), ("broken", "broken.png: not a readable picture")],
)
def test_bad_stills_are_one_line_naming_the_file(easy_pair, tmp_path, capsys, what, message):
    folder = tmp_path / what
    folder.mkdir()
    if what == "broken":
        (folder / "broken.png").write_bytes(b"not a picture")
    code = main(["-q", "align", str(easy_pair / "bw.mp4"), str(folder), "-o", str(tmp_path / "a")])
    err = capsys.readouterr().err.strip()
    assert code == 1 and message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "a").exists()


def test_inner_cuts_a_flat_border_only():
    picture = np.random.default_rng(0).integers(0, 255, (40, 60, 3), np.uint8)
    bordered = cv2.copyMakeBorder(picture, 3, 5, 7, 2, cv2.BORDER_CONSTANT, value=(250, 250, 250))
    assert inner(bordered) == (7, 3, 60, 40)
    assert inner(picture) == (0, 0, 60, 40)
