"""The render's pieces as Ray tasks, one per piece, on a Ray cluster (``pip install
filmcolor[ray]``).

``ray_runner`` is a ``jobs.Runner``: ``render_film`` hands it the runs of segments left, and each
becomes a task running ``pipeline.render_piece``, which writes its segments into the work folder
beside the output; so the output's folder, the film, the model and the colour release must be on
storage every node sees, at the same paths. Ray is imported only when a runner is made.
"""

from __future__ import annotations

from collections.abc import Callable

from .pipeline import PieceJob, render_piece


def ray_runner(gpus_per_piece: float = 0.0) -> Callable:
    """A ``Runner`` for ``filmcolor.render``: each piece a Ray task on the connected cluster."""
    import ray

    task = ray.remote(num_gpus=gpus_per_piece)(render_piece)

    def run(jobs: list[PieceJob], n: int, done: Callable[[int], object]) -> list[dict]:
        pending = {task.remote(job): i for i, job in enumerate(jobs)}
        records = {}
        while pending:
            finished, _ = ray.wait(list(pending), num_returns=1)
            i = pending.pop(finished[0])
            records[i] = ray.get(finished[0])
            done(records[i]["frames"])
        return [records[i] for i in range(len(jobs))]

    return run
