"""Training runs as a whole: resumed, repeated with a seed, on two processes (DDP), and what a
run leaves behind for the interpreter's exit."""

import json

import pytest
import torch
from conftest import make_dataset

from filmcolor.errors import FilmcolorError
from filmcolor.training.trainer import train


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


@pytest.mark.slow
def test_two_processes_train_one_model_with_ddp(tmp_path, capsys):
    """Lightning's DDP on two CPU processes: one run folder, one model, metrics from rank 0."""
    import subprocess
    import sys

    from filmcolor.cli import main

    data = make_dataset(tmp_path / "aligned", n=64)
    run = tmp_path / "run"
    options = ["-q", "train", str(data), "--accelerator", "cpu", "--devices", "2"]
    options += ["--epochs", "2", "--batch-size", "8", "--unseen", "1"]
    assert main(options) == 1 and "needs -o RUN" in capsys.readouterr().err
    command = [sys.executable, "-m", "filmcolor", *options, "-o", str(run)]
    subprocess.run(command, check=True, timeout=600)
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["epochs_run"] == 2 and (run / "best.ckpt").exists()
    hp = torch.load(run / "best.ckpt", weights_only=False)["hyper_parameters"]
    assert hp["settings"]["devices"] == 2


@pytest.mark.filterwarnings("ignore:.*sync_dist=True")  # one process: nothing to sync
def test_training_leaves_no_process_group_for_the_exit(tmp_path):
    """A gloo group left to the interpreter's exit can abort a rank, and the launcher then kills
    the others: ``train`` destroys it once training's collectives are over."""
    torch.distributed.init_process_group(
        "gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1
    )
    try:
        train(make_dataset(tmp_path / "aligned", n=32), tmp_path / "run", epochs=1, unseen=1)
    finally:
        initialized = torch.distributed.is_initialized()
        if initialized:
            torch.distributed.destroy_process_group()
    assert not initialized
