"""Synthetic paired films, made once per test session with ffmpeg and numpy."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from filmcolor.synthetic import FilmSpec, make_film_pair


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
        seed=2, color_fps=Fraction(25), color_zoom=1.08, bw_letterbox=12, drop_shot=2, bw_intro=30
    )
    return _pair(tmp_path_factory, "hard", spec)


@pytest.fixture(scope="session")
def other_film(tmp_path_factory) -> Path:
    """A different film altogether."""
    return _pair(tmp_path_factory, "other", FilmSpec(seed=7, shots=4))


def truth(pair: Path) -> tuple[np.ndarray, np.ndarray]:
    t = json.loads((pair / "truth.json").read_text())
    return np.array(t["bw"]["frames"]), np.array(t["color"]["frames"])


@pytest.fixture(scope="session")
def tiny_model(easy_pair, tmp_path_factory) -> Path:
    """A model trained for a few seconds at 32x32 on the easy pair: enough to exercise rendering."""
    from filmcolor.alignment import align
    from filmcolor.training import train

    root = tmp_path_factory.mktemp("model")
    align(easy_pair / "bw.mp4", easy_pair / "color.mp4", root / "aligned", size=32)
    # unseen=1: colour shown everywhere; the familiarity gate would rightly keep a two-epoch
    # model's guesses grey, and these tests are about how the colour is rendered.
    return train(root / "aligned", root / "run", epochs=2, batch_size=16, unseen=1).best
