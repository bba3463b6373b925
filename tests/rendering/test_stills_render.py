"""A film rendered from stills: each still's colour carried through its shot, the model's colour
elsewhere; a shots file's still carried through its shot; the review's still column; bad stills
refused in one line, nothing written."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from conftest import flat_colour

from filmcolor.alignment.stills import Still, find_stills, still_files
from filmcolor.cli import main
from filmcolor.colour import rgb_to_ab
from filmcolor.io.frames import frames_at
from filmcolor.io.video import probe
from filmcolor.rendering.plan import Sources
from filmcolor.rendering.renderer import render_film
from filmcolor.rendering.review.decisions import Decisions
from filmcolor.rendering.review.shots import read_shots
from filmcolor.rendering.stills.carry import carry_shot
from filmcolor.rendering.stills.loading import shots_file_stills
from filmcolor.rendering.stills.source import Stills, transfers
from filmcolor.settings import RenderSettings

STILL = 40  # the B&W frame given as a still (easy_pair's second shot is frames 31-75 or so)


def colour_frame(pair, k: int) -> np.ndarray:
    """The colour release's frame showing B&W frame ``k`` (RGB)."""
    t = json.loads((pair / "truth.json").read_text())
    c = t["color"]["frames"].index(t["bw"]["frames"][k])
    return next(frames_at(probe(pair / "color.mp4"), [c]))


def write(path, rgb: np.ndarray) -> None:
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))


def shot_of(pair, k: int) -> range:
    """The B&W frames of the shot frame ``k`` is in."""
    t = json.loads((pair / "truth.json").read_text())
    cuts = [0, *t["bw"]["cuts"], len(t["bw"]["frames"])]
    a = max(c for c in cuts if c <= k)
    return range(a, min(c for c in cuts if c > k))


@pytest.fixture(scope="module")
def still(easy_pair, tmp_path_factory):
    """One still of easy_pair's frame STILL, cropped and scaled as a user hands it over."""
    folder = tmp_path_factory.mktemp("one-still")
    write(
        folder / "painted.png", cv2.resize(colour_frame(easy_pair, STILL)[4:108, 8:184], (352, 208))
    )
    return folder


@pytest.fixture(scope="module")
def rendered(easy_pair, still, tmp_path_factory):
    """easy_pair rendered losslessly from the still, with a flat colour as the model's."""
    info = probe(easy_pair / "bw.mp4")
    found = find_stills(info, still_files(still)).stills
    sources = Sources(flat_colour, stills=Stills(info, found, transfers(info, found, flat_colour)))
    out = tmp_path_factory.mktemp("from-stills") / "film.mkv"
    render_film(easy_pair / "bw.mp4", out, sources, RenderSettings(crf=0, smooth=0))
    return out


def ab_error(pair, film, frames) -> float:
    """Mean a*b* distance of ``film``'s frames to the colour release's."""
    got = frames_at(probe(film), list(frames))
    return float(
        np.mean(
            [
                np.hypot(
                    *(rgb_to_ab(g) - rgb_to_ab(colour_frame(pair, k))).transpose(2, 0, 1)
                ).mean()
                for k, g in zip(frames, got)
            ]
        )
    )


def test_a_still_colours_its_shot_both_ways_and_only_its_shot(easy_pair, rendered, plain_render):
    shot = shot_of(easy_pair, STILL)
    near = [k for k in shot if k != STILL][:: max(1, len(shot) // 8)]
    carried, flat = ab_error(easy_pair, rendered, near), ab_error(easy_pair, plain_render, near)
    assert min(near) < STILL < max(near)  # before the still and after it
    assert carried < 0.5 * flat
    other = [shot.stop + 5]  # the next shot has no still: the model's colour, as without stills
    assert ab_error(easy_pair, rendered, other) == pytest.approx(
        ab_error(easy_pair, plain_render, other), abs=0.5
    )


def test_the_review_shows_the_still_beside_its_shot(easy_pair, rendered):
    data = json.loads(rendered.with_name("film_review.json").read_text())
    assert data["stills"] == 1
    (row,) = [r for r in data["shots"] if "carried" in r]
    assert row["first"] <= STILL <= row["last"] and row["still_frame"] == STILL
    assert row["carried"] > 0.5 and row["source"] == "still"
    assert "lost" not in row["warnings"]
    page = rendered.with_name("film_review.html").read_text()
    assert f"shot-{row['shot']:04d}-still" in page and "Still" in page


def test_carrying_falls_back_where_the_picture_is_new():
    rng = np.random.default_rng(0)

    def texture():
        noise = cv2.GaussianBlur(rng.random((64, 96), np.float32), (0, 0), 2)
        return cv2.normalize(noise, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)

    texture, new = texture(), texture()
    frames = [texture, np.roll(texture, 2, axis=1), np.hstack([texture[:, :48], new[:, 48:]])]
    ab = np.full((64, 96, 2), (30.0, -20.0), np.float32)
    out = carry_shot(frames, 0, [(0, ab, np.ones((64, 96), np.float32))])
    moved, trust = out[1]
    assert np.allclose(moved[:, 8:-8], (30, -20), atol=1) and trust[:, 8:-8].mean() > 0.8
    _, trust = out[2]
    assert trust[:, 56:].mean() < 0.5 * trust[:, 8:40].mean()  # something new: not trusted


def test_a_shots_files_still_is_carried_through_its_shot(easy_pair, still, tmp_path):
    shots = tmp_path / "shots.toml"
    other = tmp_path / "elsewhere.png"
    write(other, np.full((60, 80, 3), (200, 40, 40), np.uint8))  # no frame of this film
    shots.write_text(
        f'[shots.1]\nstill = "{still / "painted.png"}"\n[shots.3]\nstill = "{other}"\n'
    )
    decisions = Decisions(read_shots(shots))
    found = shots_file_stills(probe(easy_pair / "bw.mp4"), decisions.stills())
    assert list(found) == [1] and isinstance(found[1], Still) and found[1].frame == STILL
    decisions.carry(found)
    assert 1 not in decisions._stills and 3 in decisions._stills  # the other: mean and spread


@pytest.mark.parametrize("what", ["empty", "broken", "stranger"])
def test_bad_stills_stop_the_render_in_one_line(easy_pair, other_film, tmp_path, capsys, what):
    folder = tmp_path / what
    folder.mkdir()
    if what == "broken":
        (folder / "broken.png").write_bytes(b"not a picture")
    if what == "stranger":
        write(folder / "stranger.png", colour_frame(other_film, 30))
    message = {
        "empty": f"{folder}: no picture in it",
        "broken": "broken.png: not a readable picture",
        "stranger": "stranger.png: matches no frame",
    }[what]
    out = tmp_path / "out.mp4"
    args = ["-q", "render", str(easy_pair / "bw.mp4"), "-o", str(out), "--reference", str(folder)]
    code = main([*args, "--model", str(tmp_path / "no-model")])
    err = capsys.readouterr().err.strip()
    assert code == 1 and message in err and len(err.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [what]  # nothing written
