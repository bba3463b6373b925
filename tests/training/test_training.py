"""Training: each head learns a hue that follows brightness; pairs resized as read; bad input."""

import json

import numpy as np
import pytest
import torch
from conftest import make_dataset

from filmcolor.training.trainer import train


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["unet-bins", "unet-ab", "unet-rgb"])
def test_each_head_learns_a_hue_that_follows_brightness(tmp_path, arch):
    data = make_dataset(tmp_path / "aligned")
    # Every frame here is a new picture: no familiarity gate (unseen=1), the heads themselves.
    result = train(
        data, tmp_path / "run", arch=arch, epochs=10, batch_size=16, lr=3e-3, patience=10, unseen=1
    )
    m = result.metrics["splits"]
    for split in ("val", "test"):
        assert m[split]["model"]["colour_error"] < 0.4 * m[split]["baseline"]["colour_error"], split
    assert m["test"]["model"]["colourfulness_ratio"] > 0.6
    # unet-rgb's own RGB output is scored too, as the FilmColorizer report scored it; its tones
    # are the release's, which the composed output (the B&W frame's lightness) cannot reach
    assert ("network" in m["test"]) == (arch == "unet-rgb")
    if arch == "unet-rgb":
        for split in ("val", "test"):
            network, composed = m[split]["network"]["mse"], m[split]["model"]["mse"]
            assert network < 0.5 * m[split]["baseline"]["mse"] and network < composed, split
        from filmcolor.evaluation.evaluator import evaluate

        again = evaluate(result.run, out=tmp_path / "ev").network
        assert again["mse"] == pytest.approx(m["test"]["network"]["mse"], rel=1e-6)
    for name in ("best.ckpt", "last.ckpt", "metrics.json", "loss.png", "test_frames.png"):
        assert (tmp_path / "run" / name).exists()
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert set(saved["splits"]) == {"train", "val", "test"} and saved["settings"]["arch"] == arch
    hp = torch.load(tmp_path / "run" / "best.ckpt", weights_only=False)["hyper_parameters"]
    assert hp["size"] == 32 and hp["settings"] == {**saved["settings"], "precision": None}


def test_train_command_errors_are_one_line(capsys, tmp_path):
    from filmcolor.cli import main

    code = main(["-q", "train", str(tmp_path / "nothing"), "-o", str(tmp_path / "run")])
    err = capsys.readouterr().err.strip()
    assert (
        code == 1
        and err.startswith("filmcolor: error:")
        and "nothing" in err
        and len(err.splitlines()) == 1
    )
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_size_resizes_the_pairs_as_they_are_read(tmp_path):
    from filmcolor.model.checkpoint import load_model
    from filmcolor.model.net import colorize

    data = make_dataset(tmp_path / "aligned", n=48, size=32)
    result = train(data, tmp_path / "run", arch="unet-ab", size=16, epochs=1, batch_size=16)
    model = load_model(result.best)
    assert model.size == 16 and result.metrics["settings"]["size"] == 16
    assert colorize(model.net, np.zeros((2, 16, 16), np.uint8)).shape == (2, 16, 16, 3)
