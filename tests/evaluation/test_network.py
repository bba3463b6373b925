"""A unet-rgb network is also scored on its own RGB output, as the FilmColorizer report scored it;
the a*b* heads are not."""

import numpy as np
import pytest
import torch
from conftest import make_dataset

from filmcolor.dataset.split import load_aligned
from filmcolor.evaluation.scoring import network_scores, score_split
from filmcolor.evaluation.tables import evaluation_table, split_table
from filmcolor.model.head import to_input, to_target
from filmcolor.model.net import ColourNet


def _net(arch: str, correction: bool = True) -> ColourNet:
    torch.manual_seed(0)
    net = ColourNet(arch, width=8).eval()
    if not correction:  # RGB = the grey frame as it is: the identity baseline
        torch.nn.init.zeros_(net.head.proj.weight)
        torch.nn.init.zeros_(net.head.proj.bias)
    return net


def test_network_mse_is_the_raw_outputs_own():
    rng = np.random.default_rng(0)
    grey = rng.integers(0, 256, (5, 16, 16), dtype=np.uint8)
    target = rng.integers(0, 256, (5, 16, 16, 3), dtype=np.uint8)
    net = _net("unet-rgb")
    with torch.no_grad():
        out = net(to_input(grey))
    expected = float(((out - to_target(target)) ** 2).mean())
    assert network_scores(net, grey, target, batch=2)["mse"] == pytest.approx(expected, rel=1e-6)
    assert network_scores(_net("unet-ab"), grey, target) is None
    assert network_scores(_net("unet-bins"), grey, target) is None


def test_a_network_that_corrects_nothing_scores_the_baseline(tmp_path):
    data = load_aligned(make_dataset(tmp_path / "aligned", n=32, size=16))
    scores, _ = score_split(_net("unet-rgb", correction=False), data, range(0, 32), 16)
    assert scores["network"]["mse"] == pytest.approx(scores["baseline"]["mse"], rel=1e-6)
    scores, _ = score_split(_net("unet-rgb"), data, range(0, 32), 16)
    assert scores["network"]["mse"] != pytest.approx(scores["baseline"]["mse"], rel=1e-3)
    assert "network" not in score_split(_net("unet-ab"), data, range(0, 32), 16)[0]


def test_tables_show_the_network_beside_the_composed_scores():
    base = {"colour_error": 10.0, "colourfulness_ratio": 0.0, "mse": 0.08}
    model = {"colour_error": 4.0, "colourfulness_ratio": 0.9, "mse": 0.075}
    splits = {s: {"baseline": base, "model": model} for s in ("train", "val", "test")}
    plain = split_table({"splits": splits})
    assert "network" not in plain and len(plain.splitlines()) == 5
    rgb = {s: {**v, "network": {"mse": 0.02}} for s, v in splits.items()}
    table = split_table({"splits": rgb})
    header, first = table.splitlines()[1:3]
    assert header.split()[-2:] == ["network", "ratio"]
    assert first.split()[-3:] == ["0.0750", "0.0200", "0.25"], "composed, network, ratio"
    assert "render shows" in table and "FilmColorizer report" in table
    rows = {k: 1.0 for k in ("colour_error", "colourfulness", "colourfulness_ratio", "mse")}
    scores = {"baseline": rows, "model": rows, "colour_release": {}}
    assert "network" not in evaluation_table(scores)
    line = evaluation_table({**scores, "network": {"mse": 0.5}}).splitlines()[-3]
    assert line.startswith("MSE, network") and "0.50x identity's" in line
