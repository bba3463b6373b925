"""A render in pieces cut at shots: the plan, resuming after an interruption, several processes,
rendering again only the shots a change reaches, a preview of some shots, the timeline."""

import json
import os
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from filmcolor.io.video import FrameReader, probe
from filmcolor.rendering.pieces import cut_pieces, film_cuts
from filmcolor.rendering.renderer import render, render_film
from filmcolor.settings import RenderSettings

PIECES = RenderSettings(segment=2, smooth=1, preset="ultrafast")


def _planes(path):
    return np.concatenate(list(FrameReader(probe(path), pix_fmt="yuv420p")))


class Tint:
    """A colour function whose a*b* follow each picture's brightness; counts the frames asked."""

    def __init__(self, fail_after: int | None = None):
        self.frames, self.fail_after = 0, fail_after

    def __call__(self, pictures):
        if self.fail_after is not None and self.frames >= self.fail_after:
            raise KeyboardInterrupt
        self.frames += len(pictures)
        small = np.stack([cv2.resize(p, (16, 16), interpolation=cv2.INTER_AREA) for p in pictures])
        level = small.astype(np.float32) / 255
        return np.stack([40 * level - 20, 20 - 40 * level], axis=-1), small


def test_the_films_cuts_are_found_and_pieces_end_at_the_nearest(easy_pair):
    info = probe(easy_pair / "bw.mp4")
    cuts = json.loads((easy_pair / "truth.json").read_text())["bw"]["cuts"]
    assert film_cuts(info, 0, info.frames) == cuts
    later = film_cuts(info, 100, info.frames)  # an excerpt: no cut in its first 0.4 s
    assert later == [c for c in cuts if c > 100 + 10]
    pieces = cut_pieces(0, info.frames, 48, cuts)
    for piece in pieces[1:]:
        nominal = 48 * piece.index
        near = [c for c in cuts if abs(c - nominal) <= 12]
        assert piece.first == (min(near, key=lambda c: abs(c - nominal)) if near else nominal)
    assert any(p.first in cuts for p in pieces[1:]) and pieces[-1].stop == info.frames
    assert all(a.stop == b.first for a, b in zip(pieces, pieces[1:]))
    nominal = cut_pieces(0, info.frames, 48, [])
    assert [p.first for p in nominal[1:]] == list(range(48, info.frames - 24, 48)), "no cut near"


def test_an_interrupted_render_resumes_from_its_finished_pieces(easy_pair, tmp_path):
    whole = tmp_path / "whole.mp4"
    render_film(easy_pair / "bw.mp4", whole, Tint(), PIECES)
    out = tmp_path / "out.mp4"
    with pytest.raises(KeyboardInterrupt):
        render_film(easy_pair / "bw.mp4", out, Tint(fail_after=150), PIECES)
    work = tmp_path / ".out.mp4.segments"
    kept = sorted(p.name for p in work.glob("seg-*.json"))
    assert kept and not out.exists() and not list(work.glob("*.partial*"))
    again = Tint()
    render_film(easy_pair / "bw.mp4", out, again, PIECES)
    assert again.frames < 0.8 * probe(whole).frames, "only the segments left are rendered"
    assert np.array_equal(_planes(out), _planes(whole)), "the same film as in one go"
    assert probe(out).audio == probe(whole).audio == ("aac",)
    kept = list(work.glob("seg-*.json"))
    assert len(kept) == len(list(work.glob("seg-*.mp4"))) and not list(work.glob("*.partial*"))
    rows = json.loads(out.with_name("out_review.json").read_text())["shots"]
    starts = [0, *json.loads((easy_pair / "truth.json").read_text())["bw"]["cuts"]]
    assert [(r["shot"], r["first"]) for r in rows] == list(enumerate(starts)), "as the film's"
    assert len(kept) >= len(rows), "a segment a shot (one cut by a piece's end: two), kept"


def test_a_render_of_something_else_starts_afresh(easy_pair, tmp_path):
    out = tmp_path / "out.mp4"
    with pytest.raises(KeyboardInterrupt):
        render_film(easy_pair / "bw.mp4", out, Tint(fail_after=150), PIECES)
    other = Tint()
    render_film(easy_pair / "bw.mp4", out, other, RenderSettings(segment=2, smooth=0))
    assert other.frames == probe(out).frames


@pytest.mark.slow
def test_two_processes_render_the_same_film_as_one(easy_pair, tiny_model, tmp_path):
    one, two = tmp_path / "one.mp4", tmp_path / "two.mp4"
    render(easy_pair / "bw.mp4", one, model=tiny_model, segment=3, preset="ultrafast")
    render(easy_pair / "bw.mp4", two, model=tiny_model, segment=3, preset="ultrafast", jobs=2)
    assert np.array_equal(_planes(one), _planes(two))


@pytest.mark.slow
def test_a_render_killed_halfway_resumes_to_the_same_film(easy_pair, tiny_model, tmp_path):
    command = [
        sys.executable,
        "-m",
        "filmcolor",
        "-q",
        "render",
        str(easy_pair / "bw.mp4"),
        "--model",
        str(tiny_model),
        "--segment",
        "2",
        "--preset",
        "ultrafast",
        "-o",
    ]
    whole, out = tmp_path / "whole.mp4", tmp_path / "out.mp4"
    subprocess.run([*command, str(whole)], check=True)
    proc = subprocess.Popen([*command, str(out)], start_new_session=True)
    work = tmp_path / ".out.mp4.segments"
    deadline = time.monotonic() + 120
    while len(list(work.glob("seg-*.json"))) < 3 and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the render and its ffmpeg processes, at once
    proc.wait()
    assert not out.exists() and list(work.glob("seg-*.json"))
    subprocess.run([*command, str(out)], check=True)
    assert np.array_equal(_planes(out), _planes(whole))
    assert probe(out).audio == ("aac",) and abs(probe(out).duration - probe(whole).duration) < 0.05
