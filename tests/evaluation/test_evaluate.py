import json

import numpy as np
import pytest
import torch
from skimage.color import rgb2lab

from filmcolor.cli import main
from filmcolor.colour import rgb_to_grey
from filmcolor.errors import DatasetError, FilmcolorError
from filmcolor.evaluation.evaluator import evaluate
from filmcolor.evaluation.metrics import (
    all_metrics,
    ciede2000,
    colour_error,
    colourfulness,
    flicker,
)
from filmcolor.rendering.renderer import render

KEYS = {
    "colour_error",
    "colourfulness",
    "colourfulness_ratio",
    "mse",
    "psnr",
    "ssim",
    "ciede2000",
    "flicker",
}


def test_metrics_on_known_images():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (4, 16, 16, 3)).astype(np.uint8)
    same = all_metrics(a, a, np.ones(3, bool))
    assert same["colour_error"] == pytest.approx(0.0, abs=1e-6)
    assert (
        same["mse"] == 0
        and same["ssim"] == pytest.approx(1.0)
        and same["ciede2000"] == pytest.approx(0.0)
    )
    grey = np.repeat(a[..., :1], 3, axis=3)
    assert colourfulness(grey) == 0 and colourfulness(a) > 20
    flat, brighter = np.full((2, 8, 8, 3), 100, np.uint8), np.full((2, 8, 8, 3), 110, np.uint8)
    assert all_metrics(brighter, flat, np.ones(1, bool))["psnr"] == pytest.approx(
        10 * np.log10(4 / (10 / 127.5) ** 2), abs=1e-3
    )
    assert flicker(a, np.array([False, False, False])) is None
    still = np.repeat(a[:1], 4, axis=0)
    assert flicker(still, np.array([True, True, True])) == 0


def test_colour_error_counts_only_the_colour():
    from skimage.color import lab2rgb

    # A flat yellow-ish patch, L* 60, b* 25: a grey copy of it misses exactly its chroma, which
    # CIEDE2000 weighs as C / (1 + 0.0225 C) when the other colour is neutral and L* is the same.
    patch = np.round(lab2rgb(np.full((1, 8, 8, 3), (60.0, 0.0, 25.0))) * 255).astype(np.uint8)
    lab = rgb2lab(patch)
    c = np.hypot(lab[..., 1], lab[..., 2]).mean()
    grey = np.repeat(rgb_to_grey(patch)[..., None], 3, axis=3)
    assert colour_error(grey, patch) == pytest.approx(c / (1 + 0.0225 * c), abs=0.3)
    darker = np.round(lab2rgb(np.full((1, 8, 8, 3), (40.0, 0.0, 25.0))) * 255).astype(np.uint8)
    assert colour_error(darker, patch) < 1.0 < ciede2000(darker, patch), "lightness does not count"
    assert colour_error(patch, patch) == pytest.approx(0.0, abs=1e-6)


def test_metrics_in_chunks_equal_metrics_at_once():
    rng = np.random.default_rng(1)
    target = rng.integers(0, 256, (40, 8, 8, 3)).astype(np.uint8)
    pred = np.clip(target.astype(int) + rng.integers(-30, 30, target.shape), 0, 255).astype(
        np.uint8
    )
    same = rng.random(39) > 0.2
    whole, chunked = (
        all_metrics(pred, target, same, chunk=40),
        all_metrics(pred, target, same, chunk=7),
    )
    assert chunked == pytest.approx(whole, rel=1e-5)
    assert whole["ciede2000"] == pytest.approx(ciede2000(pred, target))
    assert whole["mse"] == pytest.approx(((pred / 127.5 - target / 127.5) ** 2).mean(), rel=1e-9)


def test_evaluate_a_model_against_the_baseline(tiny_model, tmp_path):
    result = evaluate(tiny_model, out=tmp_path)
    assert set(result.model) == set(result.baseline) == KEYS
    trained = json.loads((tiny_model.parent / "metrics.json").read_text())
    assert result.baseline == trained["splits"]["test"]["baseline"], (
        "training reports what evaluate measures"
    )
    assert result.model == pytest.approx(trained["splits"]["test"]["model"], rel=1e-6)
    assert result.frames == trained["split"]["test"][1] - trained["split"]["test"][0]
    assert result.colour_release["colourfulness"] > 0 and result.model["colourfulness"] > 0
    assert json.loads((tmp_path / "evaluation.json").read_text())["frames"] == result.frames
    assert (tmp_path / "evaluation.png").stat().st_size > 1000


def test_a_long_split_is_scored_on_runs_of_neighbours(tiny_model, tmp_path, monkeypatch):
    import filmcolor.evaluation.scoring as evaluate_module

    monkeypatch.setattr(evaluate_module, "MOST_PAIRS", 96)
    result = evaluate(tiny_model, split="all", out=tmp_path)
    assert result.source["scored"] == result.frames == 96 < result.source["pairs"][1]
    assert result.model["flicker"] is not None and np.isfinite(result.model["mse"])


def test_strength_scales_the_colour(tiny_model, tmp_path):
    grey = evaluate(tiny_model, strength=0)
    assert grey.source["strength"] == 0 and grey.model["colourfulness"] < 0.5
    assert grey.out == tiny_model.parent / "evaluation-strength0", (
        "the run's own evaluation is left alone"
    )
    strong = evaluate(tiny_model, strength=2, out=tmp_path).model["colourfulness"]
    assert strong > 1.5 * evaluate(tiny_model, out=tmp_path).model["colourfulness"]
    with pytest.raises(FilmcolorError, match="--strength"):
        evaluate(tiny_model, strength=-1, out=tmp_path)


def test_evaluate_a_rendered_film(easy_pair, tiny_model, tmp_path, capsys):
    film = tmp_path / "film.mp4"
    render(easy_pair / "bw.mp4", film, model=tiny_model, preset="ultrafast")
    code = main(
        [
            "-q",
            "evaluate",
            "--video",
            str(film),
            "--reference",
            str(easy_pair / "color.mp4"),
            "-o",
            str(tmp_path / "ev"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "CIEDE2000" in out and "flicker" in out
    result = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    assert result["frames"] > 100 and result["model"]["flicker"] is not None
    assert set(result["model"]) == KEYS and (tmp_path / "ev" / "evaluation.png").exists()
    # The film's grey is the identity baseline: colourless; the film itself is not.
    assert result["model"]["colourfulness"] > 0 == result["baseline"]["colourfulness"]


def test_moved_dataset_is_named(tiny_model, tmp_path):
    ckpt = torch.load(tiny_model, weights_only=False)
    ckpt["hyper_parameters"]["data"] = str(tmp_path / "gone")
    torch.save(ckpt, tmp_path / "moved.ckpt")
    with pytest.raises(
        DatasetError, match="gone: the dataset .* is not there any more; pass --data"
    ):
        evaluate(tmp_path / "moved.ckpt", out=tmp_path / "ev")


def test_video_needs_its_reference(capsys, tmp_path):
    assert main(["-q", "evaluate", "--video", str(tmp_path / "a.mp4")]) == 1
    assert "go together" in capsys.readouterr().err
    video = ["--video", str(tmp_path / "a.mp4"), "--reference", str(tmp_path / "b.mp4")]
    assert main(["-q", "evaluate", *video, "--strength", "0"]) == 1
    assert "--strength applies to a model" in capsys.readouterr().err
