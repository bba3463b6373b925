"""The render's pieces as Ray tasks (filmcolor/rendering/ray.py), on a local Ray instance."""

import os

import numpy as np
import pytest

from filmcolor.io.video import FrameReader, probe
from filmcolor.rendering.renderer import render

try:
    import ray
except ImportError:  # CI installs filmcolor[ray]; without it there, the test must fail, not skip
    if os.environ.get("CI"):
        raise
    ray = None


def _planes(path):
    return np.concatenate(list(FrameReader(probe(path), pix_fmt="yuv420p")))


@pytest.mark.slow
@pytest.mark.skipif(ray is None, reason="Ray is not installed: pip install -e '.[ray]'")
def test_two_ray_tasks_render_the_film_one_process_renders(easy_pair, tiny_model, tmp_path):
    from filmcolor.rendering.ray import ray_runner

    pieces = []

    def runner(jobs, n, done):
        pieces.extend(jobs)
        return ray_runner()(jobs, n, done)

    settings = dict(model=tiny_model, segment=5, preset="ultrafast")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        render(easy_pair / "bw.mp4", tmp_path / "ray.mp4", runner=runner, **settings)
    finally:
        ray.shutdown()
    render(easy_pair / "bw.mp4", tmp_path / "one.mp4", **settings)
    assert len(pieces) == 2
    assert np.array_equal(_planes(tmp_path / "ray.mp4"), _planes(tmp_path / "one.mp4"))
    assert probe(tmp_path / "ray.mp4").audio == ("aac",)
