"""Rendering again only what changed: a shot's decision changed renders that shot alone, to the
film a whole render with the edited file gives; a preview of some shots; the timeline for an
editor; an output another film was rendered into is refused."""

import json
import re
from dataclasses import replace
from fractions import Fraction

import numpy as np
import opentimelineio as otio
import pytest
from test_pieces import Tint, _planes
from test_review import synthetic_review

from filmcolor.cli import main
from filmcolor.errors import FilmcolorError
from filmcolor.io.video import probe
from filmcolor.rendering.plan import Sources, identity
from filmcolor.rendering.renderer import render_film
from filmcolor.rendering.review.decisions import Decisions
from filmcolor.rendering.review.shots import read_shots
from filmcolor.rendering.review.timeline import timeline
from filmcolor.settings import RenderSettings

LOSSLESS = RenderSettings(segment=2, smooth=1, crf=0, preset="ultrafast")


def _render(src, out, shots=None, settings=LOSSLESS, tint=None):
    tint = tint or Tint()
    decisions = Decisions(read_shots(shots)) if shots else Decisions()
    result = render_film(src, out, Sources(tint, decisions=decisions), settings, overwrite=True)
    return result, tint


def _rows(out):
    return json.loads(out.with_name(f"{out.stem}_review.json").read_text())


def test_a_changed_shot_alone_is_rendered_again_to_the_film_a_whole_render_gives(
    easy_pair, tmp_path
):
    src = easy_pair / "bw.mp4"
    out, whole = tmp_path / "film.mp4", tmp_path / "whole.mp4"
    first, _ = _render(src, out)
    shots = tmp_path / "shots.toml"
    shots.write_text('[shots.2]\ncolour = "grey"\n')
    again, tint = _render(src, out, shots)
    row = next(r for r in _rows(out)["shots"] if r["shot"] == 2)
    assert tint.frames == row["frames"], "only shot 2's frames are coloured again"
    assert again.done.rendered == {2: row["frames"]} and 2 not in again.done.reused
    assert "rendered 1 shot(s)" in again.done.describe()
    assert [r["rendered"] for r in _rows(out)["shots"]] == [
        r["shot"] == 2 for r in _rows(out)["shots"]
    ]
    _render(src, whole, shots)
    assert np.array_equal(_planes(out), _planes(whole)), "frame for frame a whole render's"
    assert probe(out).audio == ("aac",) and probe(out).frames == first.frames
    unchanged, tint = _render(src, out, shots)
    assert tint.frames == 0 and not unchanged.done.rendered, "nothing changed: nothing rendered"
    page = out.with_name("film_review.html").read_text()
    assert "reused" in page and 'value="rendered"' in page


def test_only_some_shots_are_written_as_a_preview(easy_pair, tmp_path):
    out = tmp_path / "preview.mp4"
    result, tint = _render(easy_pair / "bw.mp4", out, settings=RenderSettings(only="1,3"))
    rows = _rows(out)["shots"]
    assert [r["shot"] for r in rows] == [1, 3]
    assert probe(out).frames == tint.frames == sum(r["frames"] for r in rows)
    assert probe(out).audio == ()
    with pytest.raises(FilmcolorError, match=r"--only 1,99: shot 99 is not in this film"):
        _render(easy_pair / "bw.mp4", out, settings=RenderSettings(only="1,99"))


def test_a_preview_into_the_films_output_keeps_its_other_shots(easy_pair, tmp_path):
    src, out = easy_pair / "bw.mp4", tmp_path / "film.mp4"
    _render(src, out)
    preview, tint = _render(src, out, settings=replace(LOSSLESS, only="2"))
    assert tint.frames == 0 and list(preview.done.reused) == [2], "shot 2 as the film has it"
    assert [r["shot"] for r in _rows(out)["shots"]] == [2]
    again, tint = _render(src, out)
    assert tint.frames == 0 and not again.done.rendered, "the film's other shots were kept"


def test_the_timeline_lines_up_the_shots_with_their_warnings(easy_pair, tmp_path):
    out = tmp_path / "film.mp4"
    _render(easy_pair / "bw.mp4", out, settings=RenderSettings(segment=2, smooth=0))
    data = _rows(out)
    made = otio.adapters.read_from_file(str(tmp_path / "film.otio"))
    master, bw = made.tracks[0], made.tracks[1]
    assert [t.name for t in made.tracks] == ["filmcolor", "B&W"]
    for track in (master, bw):
        clips = list(track.find_clips())
        assert [c.name for c in clips] == [f"shot {r['shot']}" for r in data["shots"]]
        assert [
            (c.source_range.start_time.value, c.source_range.duration.value) for c in clips
        ] == [(r["first"], r["frames"]) for r in data["shots"]]
    assert (tmp_path / "film.edl").read_text().count("shot ") >= len(data["shots"])
    fcpxml = otio.adapters.write_to_string(made, adapter_name="fcpx_xml")  # as otioconvert does
    assert fcpxml.count("<marker") == sum(len(r["warnings"]) for r in data["shots"])
    _, warned = synthetic_review(tmp_path)  # a warning on every shot
    # the release at 25 frames a second shows frames 100.. of shot 0, none of shot 1, and the
    # first 15 of shot 2's and all of shot 3's from 300 on
    shown = [100 + i for i in range(20)] + [-1] * 20 + [200 + i for i in range(15)] + [-1] * 15
    shown += [300 + i for i in range(10)]
    release = (easy_pair / "color.mp4", Fraction(25), 400, shown)
    made = timeline(warned, 24, tmp_path / "synthetic.mp4", easy_pair / "bw.mp4", 0, release)
    markers = [(c.name, m.name, m.color) for c in made.tracks[0].find_clips() for m in c.markers]
    assert markers == [("shot 0", "⚠ residual", "RED"), ("shot 1", "⚠ pale", "YELLOW")] + [
        ("shot 2", "⚠ seam", "ORANGE"),
        ("shot 3", "⚠ grey", "PURPLE"),
    ]
    assert [t.name for t in made.tracks] == ["filmcolor", "B&W", "colour release"]
    lined = [(type(c).__name__, round(c.duration().to_seconds() * 24, 6)) for c in made.tracks[2]]
    assert lined == [("Clip", 20), ("Gap", 20), ("Clip", 30), ("Clip", 10)], "cut as the shots"
    starts = [c.source_range.start_time for c in made.tracks[2].find_clips()]
    assert [(t.value, t.rate) for t in starts] == [(100, 25), (200, 25), (300, 25)]


def test_an_output_of_another_film_is_refused_and_kept(easy_pair, other_film, tmp_path):
    out = tmp_path / "film.mp4"
    _render(easy_pair / "bw.mp4", out, settings=RenderSettings(segment=2, smooth=0))
    before = out.read_bytes()
    shots = tmp_path / "shots.toml"
    shots.write_text('[shots.2]\ncolour = "grey"\n\n[shots.99]\ncolour = "grey"\n')
    with pytest.raises(FilmcolorError, match=r"shots.toml:4: shot 99 is not in this film"):
        _render(easy_pair / "bw.mp4", out, shots)
    assert out.read_bytes() == before
    work = tmp_path / ".film.mp4.segments"
    kept = {p.name: p.read_bytes() for p in work.iterdir() if p.is_file()}
    was, now = (easy_pair / "bw.mp4").resolve(), (other_film / "bw.mp4").resolve()
    with pytest.raises(
        FilmcolorError, match=re.escape(f"film.mp4: was rendered from {was}, not {now};")
    ):
        _render(other_film / "bw.mp4", out)
    assert out.read_bytes() == before
    assert {p.name: p.read_bytes() for p in work.iterdir() if p.is_file()} == kept


def test_a_model_of_another_film_is_refused_and_a_retrained_one_renders_all_again(
    easy_pair, tmp_path
):
    out, model = tmp_path / "film.mp4", tmp_path / "best.ckpt"
    model.write_bytes(b"weights")

    def made_from(name):
        return {"model": identity(model), "model_film": {"name": name, "frames": 9}}

    settings = RenderSettings(segment=2, smooth=0)
    sources = Sources(Tint(), made_from=made_from("bw.mp4"))
    first = render_film(easy_pair / "bw.mp4", out, sources, settings, overwrite=True)
    before = out.read_bytes()
    sources = Sources(Tint(), made_from=made_from("other.mp4"))
    with pytest.raises(FilmcolorError, match=r"best.ckpt: a model of other.mp4, but film.mp4 was"):
        render_film(easy_pair / "bw.mp4", out, sources, settings, overwrite=True)
    assert out.read_bytes() == before
    model.write_bytes(b"weights trained again")  # the same film's model, retrained
    tint = Tint()
    again = render_film(
        easy_pair / "bw.mp4", out, Sources(tint, made_from=made_from("bw.mp4")), settings,
        overwrite=True,
    )  # fmt: skip
    assert tint.frames == first.frames and not again.done.reused, "every shot rendered again"


def test_the_command_line_says_what_it_rendered_and_refuses_another_film_in_a_line(
    capsys, easy_pair, other_film, tiny_model, tmp_path
):
    out, shots = tmp_path / "film.mp4", tmp_path / "shots.toml"
    render = ["-q", "render", "-o", str(out), "--model", str(tiny_model), "--overwrite"]
    render += ["--segment", "2", "--preset", "ultrafast"]
    assert main([*render, str(easy_pair / "bw.mp4")]) == 0
    assert "reused" not in capsys.readouterr().out, "a first render reuses nothing"
    shots.write_text('[shots.2]\ncolour = "grey"\n')
    assert main([*render, str(easy_pair / "bw.mp4"), "--shots", str(shots)]) == 0
    said = capsys.readouterr().out
    assert re.search(r"\nrendered 1 shot\(s\), \d+ frames \(2\); reused \d+ shot\(s\)", said)
    before = out.read_bytes()
    assert main([*render, str(other_film / "bw.mp4")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"filmcolor: error: {out}: was rendered from ") and "\n" not in err
    assert out.read_bytes() == before
