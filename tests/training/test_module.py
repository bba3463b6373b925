"""The LightningModule on its own: typed settings, each head's loss, validation's selection."""

import math

import numpy as np
import pytest
import torch
from conftest import make_dataset

from filmcolor.dataset.batches import batches
from filmcolor.model.head import to_input, to_target
from filmcolor.settings import TrainSettings, as_json
from filmcolor.training.module import Colorizer


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    data = make_dataset(tmp_path_factory.mktemp("module") / "aligned", n=32)
    from filmcolor.dataset.split import load_aligned

    return next(iter(batches(load_aligned(data), range(0, 16), 16)))


def test_the_settings_are_the_hyperparameters_and_come_back_typed():
    settings = TrainSettings(arch="unet-ab", lr=1e-3, split=(0.7, 0.2, 0.1))
    module = Colorizer(settings, 32, {"train": [0, 7]}, "/data")
    assert module.hparams["settings"] == as_json(settings) and module.hparams["size"] == 32
    again = Colorizer(module.hparams["settings"], 32)
    assert again.settings == settings and again.net.arch == "unet-ab"


@pytest.mark.parametrize("arch", ["unet-bins", "unet-ab", "unet-rgb"])
def test_each_head_has_a_loss_that_training_lowers(batch, arch):
    torch.manual_seed(0)
    module = Colorizer(TrainSettings(arch=arch, mixup=0.4))
    opt = torch.optim.AdamW(module.parameters(), lr=3e-3)
    grey, rgb = to_input(batch.grey), to_target(batch.rgb)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = module.net.head.loss(module(grey), rgb, batch.ab)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(math.isfinite(x) for x in losses) and losses[-1] < losses[0]
    module.log = lambda *a, **k: None  # no trainer attached
    assert math.isfinite(module.training_step(batch, 0).item()), "and with mixup"


def test_validation_selects_nothing_during_the_warm_up(batch):
    module = Colorizer(TrainSettings(arch="unet-ab"))
    logged = {}
    module.log = lambda name, value, **k: logged.__setitem__(name, float(value))

    class Trainer:
        global_step = 0

    module._trainer = Trainer()
    module.warmup_steps = 10
    with torch.no_grad():  # as Lightning validates
        module.validation_step(batch, 0)
    assert logged["val/selection"] == math.inf and 0 < logged["val/colour_error"] < 100
    Trainer.global_step = 10
    with torch.no_grad():
        module.validation_step(batch, 0)
    assert logged["val/selection"] == logged["val/colour_error"]


def test_a_head_calibrated_on_the_film_weighs_its_rare_colours_up():
    module = Colorizer(TrainSettings())
    colours = np.zeros((20, 8, 8, 3), np.uint8)
    colours[..., 1] = 150  # green nearly everywhere
    colours[:, 0, 0] = (200, 30, 30)  # red in one pixel of each frame
    module.net.head.calibrate(colours)
    head = module.net.head
    index, _ = head.encoder.encode(torch.from_numpy(np.float32([[[[52.0]], [[37.0]]]])))
    green, _ = head.encoder.encode(torch.from_numpy(np.float32([[[[-60.0]], [[60.0]]]])))
    assert head.class_weights[index[..., 0]] > head.class_weights[green[..., 0]]
