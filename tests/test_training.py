import csv
import json

import cv2
import numpy as np
import pytest
import torch

from filmcolor.bins import gamut_bins
from filmcolor.dataset import load_aligned, split_ranges
from filmcolor.errors import DatasetError, FilmcolorError
from filmcolor.model import ColourNet
from filmcolor.training import train


def make_dataset(path, n=96, size=32, shots=6, seed=0):
    """Grey frames of soft blobs; the colour is a fixed function of the grey level (a learnable
    mapping)."""
    rng = np.random.default_rng(seed)
    path.mkdir(parents=True)
    yy, xx = np.mgrid[0:size, 0:size] / size
    bw = np.empty((n, size, size), np.uint8)
    for i in range(n):
        g = np.zeros((size, size))
        for _ in range(3):
            cx, cy, r = rng.uniform(0, 1, 2).tolist() + [rng.uniform(0.1, 0.3)]
            g += np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / r**2)
        bw[i] = np.clip(40 + 180 * g / g.max(), 0, 255)
    f = bw / 255.0
    color = np.stack([f, f**2, 1 - f], axis=-1) * 255
    np.save(path / "bw.npy", bw)
    np.save(path / "color.npy", color.astype(np.uint8))
    with open(path / "pairs.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["pair", "bw_frame", "color_frame", "shot"])
        for i in range(n):
            w.writerow([i, i, i, i * shots // n])
    return path


def test_network_shapes_and_parameter_count():
    bins = gamut_bins()
    for arch, channels in (("unet-rgb", 3), ("unet-ab", 2), ("unet-bins", len(bins))):
        net = ColourNet(arch, bins)
        shape = (2, 64, 64, channels) if arch == "unet-bins" else (2, channels, 64, 64)
        assert net(torch.zeros(2, 1, 64, 64)).shape == shape
        params = sum(p.numel() for p in net.parameters())
        assert params == 1_871_136 + 34 * channels, "the report's body, 1,871,238 with its RGB head"
    body = net.body
    assert [
        m.out_channels
        for m in (body.enc1[0], body.enc2[0], body.enc3[0], body.dec1[0], body.dec2[0])
    ] == [64, 128, 256, 128, 64]
    assert [m.stride for m in (body.enc1[0], body.enc2[0], body.enc3[0])] == [(2, 2)] * 3


def test_split_is_chronological_disjoint_and_snapped_to_cuts():
    shots = np.repeat(np.arange(10), [9, 11, 10, 10, 12, 8, 10, 10, 9, 11])
    cuts = set((np.flatnonzero(np.diff(shots)) + 1).tolist())
    r = split_ranges(shots)
    assert (
        r["train"].start == 0
        and r["train"].stop == r["val"].start
        and r["val"].stop == r["test"].start
    )
    assert r["test"].stop == len(shots)
    assert {r["val"].start, r["test"].start} <= cuts
    for a, b in (("train", "val"), ("val", "test")):
        assert set(shots[list(r[a])]).isdisjoint(shots[list(r[b])]), "no shot in two splits"
    # The cut nearest the test boundary (90) is the val boundary (84): the test split starts at the
    # next cut instead, not inside a shot.
    r = split_ranges(np.repeat(np.arange(3), [84, 14, 2]))
    assert (r["val"].start, r["test"].start) == (84, 98)
    plain = split_ranges(shots, snap=False)
    assert (plain["val"].start, plain["test"].start) == (80, 90)
    with pytest.raises(DatasetError, match="cannot split"):
        split_ranges(np.zeros(40, int), (0.98, 0.01, 0.01), snap=False)


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
    for name in ("best.ckpt", "last.ckpt", "metrics.json", "loss.png", "test_frames.png"):
        assert (tmp_path / "run" / name).exists()
    saved = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert set(saved["splits"]) == {"train", "val", "test"} and saved["settings"]["arch"] == arch
    hp = torch.load(tmp_path / "run" / "best.ckpt", weights_only=False)["hyper_parameters"]
    assert hp["size"] == 32 and hp["settings"] == {**saved["settings"], "precision": None}


@pytest.mark.slow
def test_resume_continues_from_the_saved_epoch(tmp_path):
    data = make_dataset(tmp_path / "aligned", n=48)
    run = tmp_path / "run"
    train(data, run, epochs=1, batch_size=16)
    assert torch.load(run / "last.ckpt", weights_only=False)["epoch"] == 0
    with pytest.raises(FilmcolorError, match="--resume"):
        train(data, run, epochs=2)
    result = train(data, run, epochs=2, batch_size=16, resume=True)
    assert torch.load(run / "last.ckpt", weights_only=False)["epoch"] == 1
    assert result.metrics["epochs_run"] == 2


def test_bad_datasets_are_refused(tmp_path):
    with pytest.raises(DatasetError, match="no aligned dataset"):
        load_aligned(tmp_path / "nothing")
    small = make_dataset(tmp_path / "small", n=10)
    with pytest.raises(DatasetError, match="only 10 pairs"):
        load_aligned(small)
    broken = make_dataset(tmp_path / "broken")
    np.save(broken / "color.npy", np.zeros((96, 32, 32), np.uint8))
    with pytest.raises(DatasetError, match="color.npy"):
        load_aligned(broken)
    (broken / "pairs.csv").unlink()
    with pytest.raises(DatasetError, match="pairs.csv is missing"):
        load_aligned(broken)


@pytest.mark.slow
def test_a_seed_makes_a_run_repeatable(tmp_path):
    data = make_dataset(tmp_path / "aligned", n=48)
    # unseen=1: no familiarity gate, which would show both barely trained models as grey films
    runs = [
        train(data, tmp_path / f"run{i}", epochs=2, batch_size=16, seed=seed, unseen=1).metrics
        for i, seed in enumerate((3, 3, 4))
    ]
    assert runs[0]["splits"] == runs[1]["splits"]
    assert runs[0]["splits"] != runs[2]["splits"]


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


def test_colour_pales_in_a_scene_the_model_has_not_seen():
    from filmcolor import familiarity
    from filmcolor.color import lab_to_rgb

    def scene(seed, n):  # a textured picture panning by a pixel every four frames
        world = cv2.GaussianBlur(
            np.random.default_rng(seed).integers(0, 255, (64, 160)).astype(np.uint8), (0, 0), 3
        )
        return np.stack(
            [
                cv2.normalize(world[:, t // 4 : t // 4 + 64], None, 0, 255, cv2.NORM_MINMAX)
                for t in range(n)
            ]
        )

    def tinted(ab, grey):
        return np.broadcast_to(np.float32(ab), (*grey.shape, 2))

    colours = [(30, 20), (-20, 30), (10, -30)]  # each training scene's colour in the release
    train = np.concatenate([scene(1, 60), scene(2, 60), scene(3, 60)])
    rgb = lab_to_rgb(
        train * (100 / 255), tinted(np.repeat(colours, 60, axis=0)[:, None, None], train)
    )
    shots, frames = np.repeat([0, 1, 2], 60), np.arange(180)
    known, known_ab, levels = familiarity.calibrate(train, rgb, shots, frames, fps=24)
    unseen, seen, near, far = levels
    assert 0 < unseen < seen <= 1 and 0 <= near < far

    def strength(grey, painted):
        like, which = familiarity.nearest(familiarity.describe(grey), known)
        thumbs = familiarity.colour_thumbs(tinted(painted, grey))
        apart = familiarity.distance(thumbs, known_ab[which].astype(np.float32))
        return like, familiarity.gain(like, apart, levels, 0.25)

    back = scene(2, 90)[70:]  # scene 2 returns later, moved on
    like_back, g_back = strength(back, colours[1])
    like_new, g_new = strength(scene(9, 20), colours[1])
    assert like_back.min() > like_new.max()
    assert g_back.mean() > 0.9 and g_new.mean() < 0.5
    # A familiar picture painted in a colour its release never showed there: built like a known
    # scene, it is another one.
    assert strength(back, colours[2])[1].mean() < 0.5


@pytest.mark.slow
def test_size_resizes_the_pairs_as_they_are_read(tmp_path):
    from filmcolor.model import colorize, load_model

    data = make_dataset(tmp_path / "aligned", n=48, size=32)
    result = train(data, tmp_path / "run", arch="unet-ab", size=16, epochs=1, batch_size=16)
    model = load_model(result.best)
    assert model.size == 16 and result.metrics["settings"]["size"] == 16
    assert colorize(model.net, np.zeros((2, 16, 16), np.uint8)).shape == (2, 16, 16, 3)
