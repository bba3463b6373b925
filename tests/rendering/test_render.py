import subprocess

import cv2
import numpy as np
import pytest
import torch

from filmcolor.cli import main
from filmcolor.colour import rgb_to_ab, rgb_to_grey
from filmcolor.errors import ModelError
from filmcolor.io.stream import running_stages
from filmcolor.io.video import FrameReader, probe
from filmcolor.rendering.renderer import render, render_film
from filmcolor.rendering.smoothing import ColourSmoother
from filmcolor.settings import RenderSettings


def _frames(path, grey=False):
    return np.concatenate(list(FrameReader(probe(path), pix_fmt="gray" if grey else "rgb24")))


@pytest.fixture(scope="module")
def rendered(easy_pair, tiny_model, tmp_path_factory):
    out = tmp_path_factory.mktemp("render") / "out.mp4"
    render(easy_pair / "bw.mp4", out, model=tiny_model, preset="ultrafast")
    return out


def test_output_matches_input_size_rate_length_and_audio(easy_pair, rendered):
    a, b = probe(easy_pair / "bw.mp4"), probe(rendered)
    assert (b.width, b.height, b.fps, b.frames) == (a.width, a.height, a.fps, a.frames)
    assert b.audio and abs(b.duration - a.duration) < 0.1


def test_output_keeps_the_input_luminance(easy_pair, rendered, tmp_path):
    """As close to the input's luma as a plain re-encode with the same codec settings gets."""
    plain = tmp_path / "plain.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-i",
            str(easy_pair / "bw.mp4"),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "18",
            "-pix_fmt",
            "yuv420p",
            str(plain),
        ],
        check=True,
    )
    src = _frames(easy_pair / "bw.mp4", grey=True).astype(int)
    codec_error = np.abs(src - _frames(plain, grey=True)).mean()
    ours = np.abs(src - _frames(rendered, grey=True)).mean()
    assert ours < codec_error + 0.3


def test_a_plain_colour_function_gives_its_colour_on_the_films_own_luma(easy_pair, tmp_path):
    """A colour function asking for one a*b* everywhere: the film comes out in that colour, at its
    own lightness (the luma written is the input's, byte for byte, with lossless encoding)."""

    def colour(pictures):
        small = np.stack([cv2.resize(p, (16, 16), interpolation=cv2.INTER_AREA) for p in pictures])
        return np.full((*small.shape, 2), (20.0, -15.0), np.float32), small

    out = tmp_path / "out.mkv"
    render_film(easy_pair / "bw.mp4", out, colour, RenderSettings(smooth=0, crf=0))
    src = FrameReader(probe(easy_pair / "bw.mp4"), pix_fmt="yuv420p")
    info = probe(out)
    y_in = np.concatenate(list(src))[:, : info.height]
    assert np.array_equal(
        np.concatenate(list(FrameReader(info, pix_fmt="yuv420p")))[:, : info.height], y_in
    )
    rgb = _frames(out)[30::20]
    ab = rgb_to_ab(rgb)
    grey = rgb_to_grey(rgb)
    mid = (grey > 60) & (grey < 190)  # where this colour fits on the luma as it is
    assert np.abs(np.median(ab[mid], axis=0) - (20, -15)).max() < 2.5


def test_a_failing_colour_function_leaves_no_output(easy_pair, tmp_path):
    batches = {"n": 0}

    def colour(pictures):
        batches["n"] += 1
        if batches["n"] > 3:
            raise KeyboardInterrupt
        return np.zeros((len(pictures), 8, 8, 2), np.float32), np.zeros(
            (len(pictures), 8, 8), np.uint8
        )

    with pytest.raises(KeyboardInterrupt):
        render_film(easy_pair / "bw.mp4", tmp_path / "out.mp4", colour)
    work = tmp_path / ".out.mp4.segments"
    assert [p.name for p in tmp_path.iterdir()] in ([], [work.name]), "no output"
    assert not list(work.glob("*partial*")), "only the shots finished, to resume from"
    assert not running_stages()


def _shot_frames(value, n, size=32):
    rng = np.random.default_rng(value)
    return [
        np.clip(value + rng.normal(0, 3, (size, size)), 0, 255).astype(np.uint8) for _ in range(n)
    ]


def test_smoothing_never_carries_colour_across_a_cut():
    smoother = ColourSmoother(sigma=2.0)
    luma = _shot_frames(40, 20) + _shot_frames(210, 20)
    colour = [np.full((32, 32, 2), -30.0, np.float32)] * 20 + [
        np.full((32, 32, 2), 30.0, np.float32)
    ] * 20
    out = []
    for i in range(0, 40, 8):
        shots = [k // 20 for k in range(i, i + 8)]  # the film's cuts: frame 20 starts shot 1
        smoother.push(
            np.stack(luma[i : i + 8]), np.stack(colour[i : i + 8]), shots, list(range(i, i + 8))
        )
        out += smoother.pop_ready()
    out += smoother.pop_ready(final=True)
    assert [p for _, p in out] == list(range(40))
    values = np.array([c.mean() for c, _ in out])
    assert np.allclose(values[:20], -30) and np.allclose(values[20:], 30)


def test_smoothing_reduces_flicker_inside_a_shot():
    rng = np.random.default_rng(0)
    smoother = ColourSmoother(sigma=2.0)
    noisy = rng.normal(0, 10, (30, 32, 32, 2)).astype(np.float32)
    smoother.push(np.stack(_shot_frames(100, 30)), noisy, [0] * 30, list(range(30)))
    out = np.stack([c for c, _ in smoother.pop_ready(final=True)])
    assert np.abs(np.diff(out, axis=0)).mean() < 0.4 * np.abs(np.diff(noisy, axis=0)).mean()


def test_excerpt_and_side_by_side(easy_pair, tiny_model, tmp_path):
    out = tmp_path / "cmp.mp4"
    render(
        easy_pair / "bw.mp4",
        out,
        model=tiny_model,
        start=2.0,
        duration=1.5,
        side_by_side=True,
        preset="ultrafast",
    )
    info = probe(out)
    assert info.width == 2 * 192 and info.frames == 36


def test_letterbox_bars_stay_black(hard_pair, tiny_model, tmp_path):
    """The B&W release of hard_pair has 12-pixel bars above and below the picture: they keep
    the film's luma and get no colour; the picture between them is coloured (lossless output)."""
    out = tmp_path / "boxed.mp4"
    render(hard_pair / "bw.mp4", out, model=tiny_model, preset="ultrafast", crf=0)
    info = probe(out)
    w, h = info.width, info.height
    planes = np.concatenate(list(FrameReader(info, pix_fmt="yuv420p")))[40::10]
    y, chroma = (
        planes[:, :h],
        planes[:, h:].reshape(len(planes), h, w // 2),
    )  # U then V rows, half width
    source = np.concatenate(list(FrameReader(probe(hard_pair / "bw.mp4"), pix_fmt="yuv420p")))[
        40::10, :h
    ]
    assert np.array_equal(y, source), "the luma written is the film's own"
    bars = np.concatenate(
        [chroma[:, :6], chroma[:, h // 2 - 6 : h // 2 + 6], chroma[:, -6:]], axis=1
    )
    assert np.all(bars == 128)
    assert np.abs(chroma[:, 10 : h // 2 - 10].astype(int) - 128).mean() > 2, (
        "the picture is coloured"
    )


def test_photograph(easy_pair, tiny_model, tmp_path):
    frame = _frames(easy_pair / "bw.mp4")[60]
    cv2.imwrite(str(tmp_path / "photo.png"), frame[..., ::-1])
    render(tmp_path / "photo.png", tmp_path / "photo_color.png", model=tiny_model)
    out = cv2.imread(str(tmp_path / "photo_color.png"))
    assert out.shape == frame.shape
    luma = cv2.cvtColor(out, cv2.COLOR_BGR2YCrCb)[..., 0].astype(int)
    assert np.abs(luma - frame[..., 0]).mean() < 1.5


def _error(capsys, *argv):
    code = main(["-q", "render", *map(str, argv)])
    err = capsys.readouterr().err.strip()
    assert (
        code == 1
        and len(err.splitlines()) == 1
        and err.startswith("filmcolor: error:")
        and "Traceback" not in err
    )
    return err


def test_bad_inputs_give_one_line_errors(capsys, easy_pair, tiny_model, tmp_path):
    bw = easy_pair / "bw.mp4"
    assert "no such file" in _error(
        capsys, tmp_path / "none.mp4", "-o", tmp_path / "o.mp4", "--model", tiny_model
    )
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(bw.read_bytes()[:3000])
    assert "cut.mp4" in _error(capsys, cut, "-o", tmp_path / "o.mp4", "--model", tiny_model)
    assert "does not exist" in _error(
        capsys, bw, "-o", tmp_path / "nowhere" / "o.mp4", "--model", tiny_model
    )
    (tmp_path / "there.mp4").write_text("mine")
    assert "--overwrite" in _error(capsys, bw, "-o", tmp_path / "there.mp4", "--model", tiny_model)
    assert "no such model" in _error(
        capsys, bw, "-o", tmp_path / "o.mp4", "--model", tmp_path / "none.ckpt"
    )
    torch.save({"something": "else"}, tmp_path / "other.ckpt")
    assert "not a filmcolor model" in _error(
        capsys, bw, "-o", tmp_path / "o.mp4", "--model", tmp_path / "other.ckpt"
    )
    odd = tmp_path / "odd.mkv"
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=853x479:rate=24:duration=0.5",
            "-c:v",
            "ffv1",
            str(odd),
        ],
        check=True,
    )
    assert "odd" in _error(capsys, odd, "-o", tmp_path / "o.mp4", "--model", tiny_model)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cut.mp4",
        "odd.mkv",
        "other.ckpt",
        "there.mp4",
    ]


def test_colour_input_warns_and_renders(easy_pair, tiny_model, tmp_path, caplog):
    out = tmp_path / "o.mp4"
    with caplog.at_level("WARNING", logger="filmcolor"):
        render(easy_pair / "color.mp4", out, model=tiny_model, preset="ultrafast")
    assert (
        "colour film" in caplog.text and probe(out).frames == probe(easy_pair / "color.mp4").frames
    )


def test_model_errors(tmp_path):
    from filmcolor.model.checkpoint import load_model

    with pytest.raises(ModelError):
        load_model(tmp_path / "missing")


def test_smoothing_follows_motion():
    """A coloured square moving across a grey field keeps its colour where it is, not where it
    was."""
    smoother = ColourSmoother(sigma=2.0)
    luma, colour = [], []
    for t in range(24):
        y = np.full((64, 64), 60, np.uint8)
        c = np.zeros((64, 64, 2), np.float32)
        x0 = 8 + 2 * t
        y[20:40, x0 : x0 + 16] = 200
        c[20:40, x0 : x0 + 16] = 30.0
        luma.append(y)
        colour.append(c)
    smoother.push(np.stack(luma), np.stack(colour), [0] * 24, list(range(24)))
    out = dict((p, c) for c, p in smoother.pop_ready(final=True))
    t = 12
    inside = out[t][24:36, 8 + 2 * t + 3 : 8 + 2 * t + 13].mean()
    trail = out[t][24:36, 8 + 2 * t - 6 : 8 + 2 * t - 1].mean()
    assert inside > 25 and trail < 5
