"""Synthetic paired films, made once per test session with ffmpeg and numpy."""

from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from filmcolor.alignment.folder import AlignedFolder
from pipelines.cases.sd_release import make_sd_release
from pipelines.cases.synthetic import FilmSpec, make_film_pair


def pytest_configure(config):
    """Under pytest-xdist (``make test``), each worker's torch and OpenCV, and the processes it
    starts, take their share of the cores: every worker threading over every core loses more to
    contention than it gains."""
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if workers:
        import cv2
        import torch

        threads = max(1, (os.cpu_count() or 1) // int(workers))
        os.environ["OMP_NUM_THREADS"] = str(threads)
        torch.set_num_threads(threads)
        cv2.setNumThreads(threads)


def pytest_collection_modifyitems(items):
    """A test that uses a trained model is slow, like the ones that train."""
    for item in items:
        if "tiny_model" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


def _pair(factory, name: str, spec: FilmSpec) -> Path:
    out = factory.mktemp(name)
    make_film_pair(out, spec)
    return out


@pytest.fixture(scope="session")
def easy_pair(tmp_path_factory) -> Path:
    """Same frame rate and framing; the intros differ."""
    return _pair(tmp_path_factory, "easy", FilmSpec(seed=1))


@pytest.fixture(scope="session")
def hard_pair(tmp_path_factory) -> Path:
    """Colour at 25 fps (PAL speed-up), zoomed 8%, one shot missing; B&W letterboxed."""
    spec = FilmSpec(
        seed=2, colour_fps=Fraction(25), colour_zoom=1.08, bw_letterbox=12, drop_shot=2, bw_intro=30
    )
    return _pair(tmp_path_factory, "hard", spec)


@pytest.fixture(scope="session")
def other_film(tmp_path_factory) -> Path:
    """A different film altogether."""
    return _pair(tmp_path_factory, "other", FilmSpec(seed=7, shots=4))


@pytest.fixture(scope="session")
def sd_pair(tmp_path_factory) -> Path:
    """A pair whose camera and objects move three times as fast as the others': telling one film
    frame from the next in a single field takes motion a field can see."""
    return _pair(tmp_path_factory, "sd", FilmSpec(seed=3, motion=3))


@pytest.fixture(scope="session")
def sd_release(sd_pair, tmp_path_factory):
    """``sd_release(name, kind, **options)``: sd_pair's colour release remade as an SD video
    (``pipelines.cases.sd_release``), once per name; and ``sd_release.aligned(name)``, aligned with
    sd_pair's B&W release, once."""
    from filmcolor.alignment.aligner import align

    made, aligned = {}, {}

    def release(name: str, kind: str = "telecine", pair: Path | None = None, **options) -> Path:
        if name not in made:
            made[name] = tmp_path_factory.mktemp(name)
            make_sd_release(pair or sd_pair, made[name], kind, **options)
        return made[name]

    def align_it(name: str, bw: Path | None = None, **settings) -> Path:
        if name not in aligned:
            out = tmp_path_factory.mktemp(f"{name}-aligned") / "aligned"
            align((bw or sd_pair) / "bw.mp4", made[name] / "color.mpg", out, **settings)
            aligned[name] = out
        return aligned[name]

    release.aligned = align_it
    return release


LOGO = (140, 78, 40, 22, "c020c0")  # a magenta logo (nothing else is) bottom right, 192x112


def make_dataset(path, n=96, size=32, shots=6, seed=0):
    """An aligned folder of grey frames of soft blobs whose colour is a fixed function of the grey
    level (a learnable mapping), in ``shots`` equal shots."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    bw = np.zeros((n, size, size), np.uint8)
    for i in range(n):
        g = np.zeros((size, size))
        for _ in range(3):
            cx, cy, r = rng.uniform(0, 1, 2).tolist() + [rng.uniform(0.1, 0.3)]
            g += np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / r**2)
        bw[i] = np.clip(40 + 180 * g / g.max(), 0, 255)
    f = bw / 255.0
    colour = (np.stack([f, f**2, 1 - f], axis=-1) * 255).astype(np.uint8)
    folder = AlignedFolder.write(path, n, size, [(bw, colour)])
    frames = np.arange(n)
    folder.write_pairs(
        bw_frame=frames,
        colour_frame=frames,
        bw_time=frames / 24,
        colour_time=frames / 24,
        score=np.ones(n),
        shot=frames * shots // n,
        segment=np.zeros(n, int),
    )
    return path


def truth(pair: Path) -> tuple[np.ndarray, np.ndarray]:
    t = json.loads((pair / "truth.json").read_text())
    return np.array(t["bw"]["frames"]), np.array(t["color"]["frames"])


@pytest.fixture(scope="session")
def tiny_model(easy_pair, tmp_path_factory) -> Path:
    """A model trained for a few seconds at 32x32 on the easy pair: enough to exercise rendering."""
    from filmcolor.alignment.aligner import align
    from filmcolor.training.trainer import train

    root = tmp_path_factory.mktemp("model")
    align(easy_pair / "bw.mp4", easy_pair / "color.mp4", root / "aligned", size=32)
    # unseen=1: colour shown everywhere; the familiarity gate would rightly keep a two-epoch
    # model's guesses grey, and these tests are about how the colour is rendered.
    return train(root / "aligned", root / "run", epochs=2, batch_size=16, unseen=1).best


def flat_colour(pictures, ab=(20.0, -15.0)):
    """A colour function giving one a*b* everywhere (at 16x16), as a model would give colour."""
    import cv2

    small = np.stack([cv2.resize(p, (16, 16), interpolation=cv2.INTER_AREA) for p in pictures])
    return np.full((*small.shape, 2), ab, np.float32), small


@pytest.fixture(scope="session")
def plain_render(easy_pair, tmp_path_factory) -> Path:
    """easy_pair rendered with ``flat_colour``, losslessly (its review beside it)."""
    from filmcolor.rendering.renderer import render_film
    from filmcolor.settings import RenderSettings

    out = tmp_path_factory.mktemp("plain") / "film.mkv"
    render_film(easy_pair / "bw.mp4", out, flat_colour, RenderSettings(crf=0))
    return out
