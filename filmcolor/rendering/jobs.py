"""Pieces of a film rendered several at a time, in processes of their own (``--jobs N``).

Each process renders a run of one piece's segments (``pipeline.render_piece``); the cores are
split between them (PyTorch's and OpenCV's threads; the encoder keeps its own count, since x264's
output depends on it and a film must come out the same whatever ``--jobs``), and with several GPUs
each process takes one in turn. Processes are started fresh (spawn), which CUDA and OpenMP need.
Their progress comes back through a queue; the first failure stops the rest and is raised here.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait

import cv2
import torch

from .pipeline import PieceJob, render_piece
from .predictor import Predictor

# How the runs of segments left are rendered: (their jobs, how many at once, a callback for frames
# done) -> their records, in the jobs' order.
Runner = Callable[[list[PieceJob], int, Callable[[int], object]], list[dict]]


def run_pieces(jobs: list[PieceJob], n: int, done: Callable[[int], object]) -> list[dict]:
    """Render the pieces of ``jobs``, ``n`` at a time; their records, in the jobs' order."""
    if n <= 1 or len(jobs) <= 1:
        return [render_piece(job, done) for job in jobs]
    n = min(n, len(jobs))
    threads = max(1, (os.cpu_count() or 1) // n)
    gpus = torch.cuda.device_count()
    for i, job in enumerate(jobs):
        if isinstance(job.colour, Predictor) and job.colour.device.type == "cuda" and gpus > 1:
            job.colour = job.colour.elsewhere(f"cuda:{i % gpus}")
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        progress = manager.Queue()
        with ProcessPoolExecutor(
            n, mp_context=context, initializer=_share_cores, initargs=(threads,)
        ) as pool:
            futures = [pool.submit(_render, job, progress) for job in jobs]
            try:
                pending = set(futures)
                while pending:
                    finished, pending = wait(pending, timeout=0.2, return_when=FIRST_EXCEPTION)
                    _drain(progress, done)
                    if any(f.exception() for f in finished):
                        break
                return [f.result() for f in futures]
            finally:
                for f in futures:
                    f.cancel()


def _share_cores(threads: int) -> None:
    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)


def _render(job: PieceJob, progress) -> dict:
    return render_piece(job, progress.put)


def _drain(progress, done: Callable[[int], object]) -> None:
    while True:
        try:
            done(progress.get_nowait())
        except queue.Empty:
            return
