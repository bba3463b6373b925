"""Rendering with the colour release's own colour where it has the frame (render --reference)."""

import json
import subprocess

import cv2
import numpy as np
import pytest
from conftest import truth

from filmcolor.cli import main
from filmcolor.colour import rgb_to_ab
from filmcolor.evaluation.metrics import colour_error
from filmcolor.io.video import FrameReader, probe
from filmcolor.rendering.release.blend import BLEND, blend_weights
from filmcolor.rendering.release.phase import register_shift
from filmcolor.rendering.renderer import render


def _frames(path):
    return np.concatenate(list(FrameReader(probe(path))))


def test_the_release_share_falls_to_nothing_before_a_gap_in_the_same_shot():
    has = np.array([True] * 30 + [False] * 10 + [True] * 30)
    shot = np.array([0] * 50 + [1] * 20)  # the gap is inside shot 0; shot 1 starts after it
    w = blend_weights(has, shot)
    assert w[0] == 1 and w[30:40].max() == 0
    assert np.allclose(np.diff(w[30 - BLEND : 30]), -1 / BLEND), "a ramp over BLEND frames"
    assert np.allclose(w[40:50], np.clip(np.arange(1, 11) / BLEND, 0, 1)), "and back after the gap"
    assert w[50] == 1, "a new shot starts on the release's colour"


def test_registration_finds_a_sub_pixel_shift():
    rng = np.random.default_rng(0)
    grey = cv2.GaussianBlur(rng.integers(0, 255, (120, 200)).astype(np.uint8), (0, 0), 2)
    grey = cv2.normalize(grey, None, 0, 255, cv2.NORM_MINMAX)
    shifted = cv2.warpAffine(
        grey, np.float32([[1, 0, 2.5], [0, 1, -1.5]]), (200, 120), borderMode=cv2.BORDER_REFLECT
    )
    (dx, dy), response = register_shift(grey, np.repeat(shifted[..., None], 3, axis=2))
    assert response > 0.3 and abs(dx - 2.5) < 0.3 and abs(dy + 1.5) < 0.3, "where to sample it"


@pytest.fixture(scope="module")
def with_release(hard_pair, tiny_model, tmp_path_factory):
    """hard_pair rendered with its colour release: 25 fps, zoomed 8%, letterboxed B&W, a shot
    missing; lossless, so colours and luma can be compared exactly."""
    out = tmp_path_factory.mktemp("reference") / "film.mp4"
    result = render(
        hard_pair / "bw.mp4",
        out,
        model=tiny_model,
        reference=hard_pair / "color.mp4",
        crf=0,
        smooth=0,
    )
    model_only = out.with_name("model.mp4")
    render(hard_pair / "bw.mp4", model_only, model=tiny_model, crf=0, smooth=0)
    return out, model_only, result


def test_release_colour_on_its_frames_and_the_models_elsewhere(hard_pair, with_release):
    out, model_only, result = with_release
    src, film = probe(hard_pair / "bw.mp4"), probe(out)
    assert (film.width, film.height, film.fps, film.frames) == (
        src.width,
        src.height,
        src.fps,
        src.frames,
    )
    assert film.audio and out.with_name("film_report.png").stat().st_size > 2000
    spec = json.loads((hard_pair / "truth.json").read_text())
    tb, tc = truth(hard_pair)
    rgb, colour, alone = _frames(out), _frames(hard_pair / "color.mp4"), _frames(model_only)
    # The colour release is the true picture zoomed 8% about its centre: the B&W picture's central
    # 1/1.08 shows what a colour frame shows.
    h, w = film.height, film.width
    ch, cw = round(h / 1.08), round(w / 1.08)
    y0, x0 = (h - ch) // 2, (w - cw) // 2
    bars = spec["bw_letterbox_px"]
    inner = slice(max(bars - y0, 0) + 2, ch - max(bars - y0, 0) - 2)
    where = {s: c for c, s in enumerate(tc) if s >= 0}
    paired = [k for k, s in enumerate(tb) if s in where]
    ratios = []
    for k in paired[::6]:
        ours = cv2.resize(
            rgb[k, y0 : y0 + ch, x0 : x0 + cw], (48, 28), interpolation=cv2.INTER_AREA
        )[inner.start // 4 : inner.stop // 4]
        true = cv2.resize(colour[where[tb[k]]], (48, 28), interpolation=cv2.INTER_AREA)[
            inner.start // 4 : inner.stop // 4
        ]
        grey = np.repeat(cv2.cvtColor(true, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)
        ratios.append(colour_error(ours[None], true[None]) / colour_error(grey[None], true[None]))
    assert np.mean(ratios) < 0.3, "paired frames show the release's colour"
    missing = [k for k, s in enumerate(tb) if s >= 0 and s not in where]
    assert missing and result.release["model_frames"] >= len(missing)
    # The model's colour there: a*b* as the model alone gives them, save for a transfer of their
    # mean and spread where a shot is shared with the release (here the cut after the missing
    # shot is too faint for the cut detector, so it is).
    a, b = rgb_to_ab(rgb[missing]).reshape(-1, 2), rgb_to_ab(alone[missing]).reshape(-1, 2)
    assert min(np.corrcoef(a[:, i], b[:, i])[0, 1] for i in (0, 1)) > 0.8
    assert np.abs(a).mean() > 1.0, "coloured, not grey"
    lum = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY).astype(int) for f in (rgb[60], alone[60])]
    assert np.abs(lum[0] - lum[1]).mean() < 1.0, "the film's own luma either way"


def test_a_shot_the_release_has_in_part_passes_smoothly_to_the_models_colour(
    hard_pair, tiny_model, tmp_path
):
    spec = json.loads((hard_pair / "truth.json").read_text())
    tb, tc = truth(hard_pair)
    a, b = spec["color"]["cuts"][0] + 20, spec["color"]["cuts"][1]  # the end of a shot
    cut = tmp_path / "cut.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-i",
            str(hard_pair / "color.mp4"),
            "-vf",
            f"select='not(between(n\\,{a}\\,{b - 1}))',setpts=N/FRAME_RATE/TB",
            "-r",
            "25",
            "-c:v",
            "libx264",
            "-crf",
            "12",
            str(cut),
        ],
        check=True,
    )
    out = tmp_path / "film.mp4"
    result = render(hard_pair / "bw.mp4", out, model=tiny_model, reference=cut, crf=0)
    assert any(s["matched_to_release"] for s in result.release["shots"].values())
    gap = np.flatnonzero(np.isin(tb, tc[a:b]))
    k0 = gap[0]  # the first frame the release lacks, inside the shot
    start = int(np.flatnonzero(tb == tc[spec["color"]["cuts"][0]])[0])  # the shot's first frame
    mean_ab = rgb_to_ab(_frames(out)[start : k0 + 4]).mean(axis=(1, 2))
    steps = np.abs(np.diff(mean_ab, axis=0)).max(axis=1)
    total = np.abs(mean_ab[-1] - mean_ab[0]).max()
    assert steps.max() <= max(1.0, 0.35 * total), "the change is spread over frames, not one jump"


def test_an_unrelated_reference_is_refused_in_one_line(
    capsys, easy_pair, other_film, tiny_model, tmp_path
):
    code = main(
        [
            "-q",
            "render",
            str(easy_pair / "bw.mp4"),
            "-o",
            str(tmp_path / "o.mp4"),
            "--model",
            str(tiny_model),
            "--reference",
            str(other_film / "color.mp4"),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 1 and len(err.splitlines()) == 1 and "align with it" in err and "%" in err
    assert list(tmp_path.iterdir()) == []


def _planes(path):
    return np.concatenate(list(FrameReader(probe(path), pix_fmt="yuv420p")))


def test_the_review_marks_the_shots_the_release_lacks(hard_pair, with_release):
    out, _, result = with_release
    data = json.loads(out.with_name("film_review.json").read_text())
    tb, tc = truth(hard_pair)
    shown = set(tc[tc >= 0])
    has = np.array([s in shown for s in tb])
    rows = data["shots"]
    assert [r["shot"] for r in rows] == sorted(
        {int(s) for s in result.release["shots"]} | {r["shot"] for r in rows if r["release_lacks"]}
    )
    assert rows[0]["release_lacks"], "the B&W title card is not in the release"
    for r in rows:
        truly = int(has[r["first"] : r["last"] + 1].sum())
        assert r["release_lacks"] == (truly == 0) and abs(r["release_frames"] - truly) <= 3
        assert (r["residual_px"] is None) == r["release_lacks"]
    page = out.with_name("film_review.html").read_text()
    assert page.count('<tr id="shot-') == len(rows)
    assert page.count('class="lacks">not in the release') == sum(r["release_lacks"] for r in rows)


def test_a_shot_set_to_the_model_takes_the_models_colour_and_nothing_else_changes(
    hard_pair, tiny_model, with_release, tmp_path
):
    out, model_only, _ = with_release
    rows = json.loads(out.with_name("film_review.json").read_text())["shots"]
    shot = next(r for r in rows if r["release_frames"] == r["frames"] and r["frames"] > 20)
    shots = tmp_path / "shots.toml"
    shots.write_text(f'[shots.{shot["shot"]}]\ncolour = "model"\n')
    again = tmp_path / "film.mp4"
    render(
        hard_pair / "bw.mp4",
        again,
        model=tiny_model,
        reference=hard_pair / "color.mp4",
        shots=shots,
        crf=0,
        smooth=0,
    )
    frames = np.arange(shot["first"], shot["last"] + 1)
    new, before, alone = _planes(again), _planes(out), _planes(model_only)
    assert np.array_equal(new[frames], alone[frames]), "the model's colour alone"
    rest = np.setdiff1d(np.arange(len(new)), frames)
    assert np.array_equal(new[rest], before[rest]), "every other frame as before"
    row = json.loads(again.with_name("film_review.json").read_text())["shots"][shot["shot"]]
    assert row["overrides"] == {"colour": "model"} and row["release_share"] == 0
