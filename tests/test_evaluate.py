import json

import numpy as np
import pytest

from filmcolor.cli import main
from filmcolor.dataset import load_aligned
from filmcolor.errors import ModelError
from filmcolor.model import load_model
from filmcolor.training import split_mse
from filmcolor.evaluate import evaluate, evaluate_video
from filmcolor.metrics import ciede2000, colourfulness, flicker, mse, psnr, ssim
from filmcolor.render import render

KEYS = {"mse", "psnr", "ssim", "ciede2000", "colourfulness", "flicker"}


def test_metrics_on_known_images():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (4, 16, 16, 3)).astype(np.uint8)
    assert mse(a, a) == 0 and ssim(a, a) == pytest.approx(1.0) and ciede2000(a, a) == pytest.approx(0.0)
    grey = np.repeat(a[..., :1], 3, axis=3)
    assert colourfulness(grey) == 0 and colourfulness(a) > 20
    flat, brighter = np.full((2, 8, 8, 3), 100, np.uint8), np.full((2, 8, 8, 3), 110, np.uint8)
    assert psnr(brighter, flat) == pytest.approx(10 * np.log10(4 / (10 / 127.5) ** 2), abs=1e-3)
    assert flicker(a, np.array([False, False, False])) is None
    still = np.repeat(a[:1], 4, axis=0)
    assert flicker(still, np.array([True, True, True])) == 0


def test_evaluate_a_model_against_the_baseline(tiny_model, tmp_path):
    result = evaluate(tiny_model, out=tmp_path)
    assert set(result["model"]) == set(result["baseline"]) == KEYS
    trained = json.loads((tiny_model.parent / "metrics.json").read_text())
    assert result["baseline"]["mse"] == pytest.approx(trained["baseline"]["test"], abs=1e-4)
    model = load_model(tiny_model).net
    test = range(*trained["split"]["test"])
    assert result["model"]["mse"] == pytest.approx(split_mse(model, load_aligned(result["source"]["data"]), {"t": test})["t"], abs=2e-3)
    assert result["frames"] == trained["split"]["test"][1] - trained["split"]["test"][0]
    assert result["colour_release"]["colourfulness"] > 0 and result["model"]["colourfulness"] > 0
    assert json.loads((tmp_path / "evaluation.json").read_text())["frames"] == result["frames"]
    assert (tmp_path / "evaluation.png").stat().st_size > 1000


def test_strength_replaces_the_calibrated_colour_strength(tiny_model, tmp_path):
    grey = evaluate(tiny_model, strength=0, out=tmp_path)
    assert grey["source"]["strength"] == 0 and grey["model"]["colourfulness"] < 0.5
    assert evaluate(tiny_model, strength=2, out=tmp_path)["model"]["colourfulness"] > 1.5 * evaluate(tiny_model, out=tmp_path)["model"]["colourfulness"]
    with pytest.raises(ModelError, match="--strength"):
        evaluate(tiny_model, strength=-1, out=tmp_path)


def test_evaluate_a_rendered_film(easy_pair, tiny_model, tmp_path, capsys):
    film = tmp_path / "film.mp4"
    render(easy_pair / "bw.mp4", film, model=tiny_model, preset="ultrafast")
    code = main(["-q", "evaluate", "--video", str(film), "--reference", str(easy_pair / "color.mp4"), "-o", str(tmp_path / "ev")])
    out = capsys.readouterr().out
    assert code == 0 and "CIEDE2000" in out and "flicker" in out
    result = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    assert result["frames"] > 100 and result["model"]["flicker"] is not None
    assert set(result["model"]) == KEYS and (tmp_path / "ev" / "evaluation.png").exists()
    # The film's grey is the identity baseline: colourless; the film itself is not.
    assert result["model"]["colourfulness"] > 0 == result["baseline"]["colourfulness"]


def test_video_needs_its_reference(capsys, tmp_path):
    assert main(["-q", "evaluate", "--video", str(tmp_path / "a.mp4")]) == 1
    assert "go together" in capsys.readouterr().err
