"""The shots file (render --shots): written by a render, edited, read back and obeyed; bad files
refused."""

import json
from dataclasses import replace

import cv2
import numpy as np
import pytest
from conftest import flat_colour

from filmcolor.cli import main
from filmcolor.colour import rgb_to_ab, rgb_to_grey
from filmcolor.errors import FilmcolorError
from filmcolor.io.video import FrameReader, probe
from filmcolor.rendering.plan import Sources
from filmcolor.rendering.renderer import render_film
from filmcolor.rendering.review.decisions import Decisions
from filmcolor.rendering.review.shots import read_shots
from filmcolor.rendering.review.shots_toml import shots_text
from filmcolor.settings import RenderSettings

STILL = (-10.0, -30.0)  # a*b* of the still given for shot 3


def _planes(path):
    info = probe(path)
    planes = np.concatenate(list(FrameReader(info, pix_fmt="yuv420p")))
    return planes, planes[:, info.height :].astype(int) - 128  # all planes, chroma centred


def _review(path):
    return json.loads(path.with_name(path.stem + "_review.json").read_text())


def _edit(text: str, shot: int, **values) -> str:
    """The text of a shots file with ``values`` set in shot ``shot``'s table."""
    head = f"[shots.{shot}]"
    before, after = text.split(head)
    table, rest = (after.split("\n\n", 1) + [""])[:2]
    lines = [ln for ln in table.split("\n") if ln.split(" = ")[0] not in values]
    lines += [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    return before + head + "\n".join(lines) + "\n\n" + rest


@pytest.fixture(scope="module")
def edited(easy_pair, plain_render, tmp_path_factory):
    """plain_render again with its OUT_shots.toml edited: shot 1 grey, shot 2 the model's colour at
    half strength, shot 3 matched to a still, frames 200-210 grey."""
    folder = tmp_path_factory.mktemp("edited")
    still = np.zeros((40, 60, 3), np.uint8)
    lab = np.float32([[[60.0, *STILL]]])
    still[:] = (cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)[0, 0] * 255).round().astype(np.uint8)
    cv2.imwrite(str(folder / "still.png"), still[..., ::-1])
    text = plain_render.with_name("film_shots.toml").read_text()
    text = _edit(text, 1, colour="grey")
    text = _edit(text, 2, colour="model", strength=0.5)
    text = _edit(text, 3, still="still.png")
    text += '\n[frames."200-210"]\ncolour = "grey"\n'
    text = "# reviewed in the grading suite\n" + text.replace(
        "[shots.2]", "# the director wants this one muted\n[shots.2]"
    )
    shots = folder / "shots.toml"
    shots.write_text(text)
    out = folder / "film.mkv"
    decisions = Decisions(read_shots(shots))
    render_film(
        easy_pair / "bw.mp4", out, Sources(flat_colour, decisions=decisions), RenderSettings(crf=0)
    )
    return out, shots


def test_the_shots_file_round_trips(plain_render):
    path = plain_render.with_name("film_shots.toml")
    rows = _review(plain_render)["shots"]
    decisions = Decisions(read_shots(path))
    assert sorted(decisions.shots) == [r["shot"] for r in rows] and len(rows) >= 4
    decisions.resolve(
        rows[-1]["last"] + 1, {r["shot"]: (r["first"], r["last"]) for r in rows}, None
    )
    assert [s[:2] for s in decisions.spans] == [(r["first"], r["last"]) for r in rows]
    assert all(decisions.changes(r["first"], r["last"], "model") == {} for r in rows)
    text = _edit(path.read_text(), 2, colour="model", strength=0.5)
    path.with_name("edited.toml").write_text(text)
    d = read_shots(path.with_name("edited.toml")).shots[2]
    assert (d.colour, d.strength) == ("model", 0.5)
    spelt = path.with_name("spelt.toml")
    spelt.write_text(
        '[shots.12]\ncolour = "grey"\n\n[shots.13]\ncolour = "model"\nstrength = 0.5\n'
    )
    shots = read_shots(spelt).shots
    assert (shots[12].colour, shots[13].colour, shots[13].strength) == ("grey", "model", 0.5)
    as_json = path.with_name("shots.json")
    as_json.write_text(json.dumps({"shots": {"12": {"colour": "grey"}}, "frames": {"5-9": {}}}))
    assert read_shots(as_json).shots[12].colour == "grey" and read_shots(as_json).ranges[0][:2] == (
        5,
        9,
    )


@pytest.mark.parametrize(
    "text, line, words",
    [
        ('[shots.1]\ncolour = "grey"\nstrenght = 0.5\n', 3, "unknown key 'strenght'"),
        ('[shots.1]\ncolour = "sepia"\n', 2, "one of release, model, grey"),
        ("[shots.1]\nstrength = 9\n", 2, "from 0 to 4"),
        ("[shots.one]\nstrength = 1\n", 1, "by its number"),
        ('[shots.1]\ncolour = "grey"\n[shots.1]\n', 3, "not valid TOML"),
        ('[shot.1]\ncolour = "grey"\n', 1, "unknown entry 'shot'"),
        ('[frames."9-3"]\ncolour = "grey"\n', 1, "range of frames"),
        ('[frames."3-9"]\n[frames."5-12"]\nstill = "x.jpg"\n', 2, "overlap"),
        ('\n[shots.2]\nstill = "none.jpg"\n', 3, "no such picture"),
        ('{"shots": {\n "1": {\n  "colour": "grey",\n  "shift": 2\n }\n}}', 4, "two numbers"),
        ('{"shots": {\n "1": {"colour": "grey",}\n}}', 2, "not valid JSON"),
    ],
)
def test_a_bad_shots_file_is_refused_in_one_line_naming_its_line(tmp_path, text, line, words):
    path = tmp_path / ("shots.json" if text.startswith("{") else "shots.toml")
    path.write_text(text)
    with pytest.raises(FilmcolorError) as e:
        read_shots(path)
    message = str(e.value)
    assert message.startswith(f"{path}:{line}: ") and words in message and "\n" not in message


def test_shots_the_film_has_not_are_refused_before_the_output_is_kept(easy_pair, tmp_path):
    shots = tmp_path / "shots.toml"
    shots.write_text('[shots.2]\ncolour = "grey"\n\n[shots.99]\nframes = [900, 901]\n')
    refused = r"shots.toml:4: shot 99 is not in this film \(its shots are 0-\d+\)"
    with pytest.raises(FilmcolorError, match=refused):
        render_film(
            easy_pair / "bw.mp4",
            tmp_path / "o.mkv",
            Sources(flat_colour, decisions=Decisions(read_shots(shots))),
        )
    shots.write_text("[shots.2]\nframes = [5, 9]\n")
    with pytest.raises(FilmcolorError, match=r"shots.toml:1: \[shots.2\] is frames \d+-\d+ here"):
        render_film(
            easy_pair / "bw.mp4",
            tmp_path / "o.mkv",
            Sources(flat_colour, decisions=Decisions(read_shots(shots))),
        )
    shots.write_text('[shots.2]\ncolour = "release"\n')
    with pytest.raises(FilmcolorError, match=r"shots.toml:1: .*needs the colour release"):
        render_film(
            easy_pair / "bw.mp4",
            tmp_path / "o.mkv",
            Sources(flat_colour, decisions=Decisions(read_shots(shots))),
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == [".o.mkv.segments", "shots.toml"]
    # only the film's cut scan is kept, for the run with the mended file
    kept = sorted(p.name for p in (tmp_path / ".o.mkv.segments").iterdir())
    assert kept == ["cuts.json", "picture.json"]


def test_the_command_line_refuses_a_bad_shots_file_in_one_line(capsys, easy_pair, tmp_path):
    shots = tmp_path / "shots.toml"
    shots.write_text('[shots.3]\ncolor = "grey"\nstrenght = 0.5\n')
    code = main(
        [
            "-q",
            "render",
            str(easy_pair / "bw.mp4"),
            "-o",
            str(tmp_path / "o.mp4"),
            "--shots",
            str(shots),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 1 and err == (
        f"filmcolor: error: {shots}:3: unknown key 'strenght' in [shots.3]; a shot takes colour, "
        "strength, shift, still, frames"
    )


def test_grey_and_half_strength_shots_and_every_other_frame_as_before(plain_render, edited):
    out, _ = edited
    rows = {r["shot"]: r for r in _review(plain_render)["shots"]}
    before, before_c = _planes(plain_render)
    after, after_c = _planes(out)
    grey = range(rows[1]["first"], rows[1]["last"] + 1)
    half = range(rows[2]["first"], rows[2]["last"] + 1)
    still = range(rows[3]["first"], rows[3]["last"] + 1)
    ranged = range(200, 211)
    assert np.all(after_c[grey] == 0) and np.all(after_c[ranged] == 0)
    ratio = np.abs(after_c[half]).sum(axis=1) / np.abs(before_c[half]).sum(axis=1)
    assert np.all(np.abs(ratio - 0.5) < 0.03), "half the chroma"
    changed = set(grey) | set(half) | set(still) | set(ranged)
    same = [k for k in range(len(before)) if k not in changed]
    assert len(same) > 60 and np.array_equal(before[same], after[same]), "the rest byte for byte"
    assert np.array_equal(before[:, : probe(out).height], after[:, : probe(out).height]), "luma"


def test_a_still_moves_its_shots_colour_to_the_stills(plain_render, edited):
    out, _ = edited
    row = next(r for r in _review(plain_render)["shots"] if r["shot"] == 3)
    frames = slice(row["first"], row["last"] + 1)

    def mean_ab(path):
        rgb = np.concatenate(list(FrameReader(probe(path))))[frames]
        grey = rgb_to_grey(rgb)
        return rgb_to_ab(rgb)[(grey > 60) & (grey < 190)].mean(axis=0)

    before, after = mean_ab(plain_render), mean_ab(out)
    assert np.hypot(*(after - STILL)) < 0.25 * np.hypot(*(before - STILL))


def test_the_review_shows_what_the_shots_file_changed(edited):
    out, shots = edited
    data = _review(out)
    rows = {r["shot"]: r for r in data["shots"]}
    assert data["shots_file"] == str(shots)
    assert rows[1]["overrides"] == {"colour": "grey"} and rows[1]["source"] == "grey"
    assert rows[2]["overrides"] == {"strength": 0.5}
    assert rows[3]["overrides"] == {"still": str(shots.parent / "still.png")}
    ranged = next(r for r in rows.values() if r["first"] <= 200 <= r["last"])
    assert ranged["overrides"] == {"frames 200-210": {"colour": "grey"}}
    assert not any(r["overrides"] for s, r in rows.items() if s not in (1, 2, 3, ranged["shot"]))
    assert "shots.1]" in out.with_name("film_shots.toml").read_text()


def test_the_shots_file_a_render_writes_keeps_the_comments_of_the_one_it_read(edited):
    out, shots = edited
    written = out.with_name("film_shots.toml")
    text = written.read_text()
    assert text.startswith("# bw.mp4 rendered as film.mkv\n# Decisions per shot")
    assert text.count("# Decisions per shot") == 1 and "\n# reviewed in the grading suite\n" in text
    assert "# the director wants this one muted\n[shots.2]  # " in text
    assert text.index("[shots.1]") < text.index("[shots.2]") < text.index('[frames."200-210"]')
    before, after = read_shots(shots), read_shots(written)

    def decided(file):
        ranges = [(a, b, replace(d, line=0)) for a, b, d in file.ranges]
        return {s: replace(d, line=0) for s, d in file.shots.items()}, ranges

    assert decided(after) == decided(before), "the same decisions"


def _rows(n: int) -> list[dict]:
    """The review's rows of a made-up film of ``n`` shots of ten frames."""
    return [
        {
            "shot": s,
            "first": 10 * s,
            "last": 10 * s + 9,
            "start": f"00:00:0{s}:00",
            "end": f"00:00:0{s}:09",
            "default_colour": "model",
            "shift_px": None,
        }
        for s in range(n)
    ]


def test_a_still_path_with_backslashes_and_quotes_round_trips(tmp_path):
    stills = tmp_path / 'C:\\films\\"final"'
    stills.mkdir()
    still = stills / 'shot 2\'s \\ "still".png'
    cv2.imwrite(str(still), np.full((8, 8, 3), 128, np.uint8))
    given = tmp_path / "given.json"
    given.write_text(json.dumps({"shots": {"2": {"still": str(still), "strength": 0.5}}}))
    out = tmp_path / "out"
    out.mkdir()
    written = out / "film_shots.toml"
    written.write_text(shots_text(_rows(4), Decisions(read_shots(given)), "bw.mp4", out))
    d = read_shots(written).shots[2]
    assert d.still.resolve() == still.resolve() and d.strength == 0.5


def test_a_users_shots_file_is_written_back_with_its_comments_around_the_film_s_shots(tmp_path):
    given = tmp_path / "given.toml"
    given.write_text(
        "# my notes\n\n"
        "# the fight:\n"
        '[shots.2]  # the fight\ncolor = "grey"  # too garish\n\n'
        '[frames."25-27"]\nstrength = 0.5\n# end of the range\n\n'
        "# the end\n"
    )
    text = shots_text(_rows(4), Decisions(read_shots(given)), "bw.mp4", tmp_path)
    assert text.startswith("# bw.mp4\n# Decisions per shot")
    assert "\n\n# my notes\n\n[shots.0]" in text
    assert "\n\n# the fight:\n[shots.2]  # the fight\n" in text
    assert 'colour = "grey"  # too garish\n' in text and "color =" not in text
    assert "[shots.3]  # 00:00:03:00 - 00:00:03:09\n" in text
    assert '[frames."25-27"]\nstrength = 0.5\n# end of the range\n\n# the end\n' in text
    assert [text.index(f"[shots.{s}]") for s in range(4)] == sorted(
        text.index(f"[shots.{s}]") for s in range(4)
    )
    again = tmp_path / "again.toml"
    again.write_text(text)
    assert (
        again.read_text() == text
        and shots_text(_rows(4), Decisions(read_shots(again)), "bw.mp4", tmp_path) == text
    ), "written back as it was"
    assert read_shots(again).shots[2].colour == "grey" and read_shots(again).ranges[0][:2] == (
        25,
        27,
    )
