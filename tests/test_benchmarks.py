"""The benchmarks' own measuring code, on tiny data: a broken benchmark shows here, not in
`make bench` on a machine that runs it once."""

import torch
from conftest import make_dataset

from filmcolor.dataset.split import load_aligned
from filmcolor.settings import TrainSettings
from pipelines.bench.train import pure_step_rate


def test_the_training_benchmark_times_the_bare_step(tmp_path):
    data = load_aligned(make_dataset(tmp_path / "aligned"))
    rate = pure_step_rate(data, TrainSettings(batch_size=8), torch.device("cpu"), steps=2)
    assert rate > 0
