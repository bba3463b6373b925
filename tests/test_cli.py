import subprocess

import pytest

from filmcolor.cli import build_parser, main


def _run(capsys, *argv):
    code = main(["-q", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(code, err, *words):
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 1 and len(lines) == 1 and lines[0].startswith("filmcolor: error:"), err
    assert "Traceback" not in err
    for w in words:
        assert w in lines[0]


@pytest.mark.parametrize("command", ["align", "train", "evaluate", "render"])
def test_help_explains_every_option(capsys, command):
    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0
    assert "--overwrite" in capsys.readouterr().out
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices[command]
    assert all(action.help for action in sub._actions), "every option has a help text"


def test_align_bad_inputs_give_one_line_errors(capsys, tmp_path, easy_pair, other_film):
    colour = easy_pair / "color.mp4"
    text = tmp_path / "notes.mp4"
    text.write_text("hello")
    audio = tmp_path / "audio.m4a"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=duration=0.5", str(audio)],
        check=True,
    )
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(colour.read_bytes()[:20000])
    empty = tmp_path / "empty.mp4"
    empty.touch()
    cases = [
        (empty, "empty.mp4"),
        (tmp_path / "missing.mp4", "missing.mp4"),
        (text, "notes.mp4"),
        (audio, "no video stream"),
        (cut, "cut.mp4"),
    ]
    for bad, word in cases:
        _one_line_error(*_run(capsys, "align", bad, colour, "-o", tmp_path / "out")[::2], word)
    _one_line_error(
        *_run(
            capsys, "align", easy_pair / "bw.mp4", other_film / "color.mp4", "-o", tmp_path / "out"
        )[::2],
        "no reliable match",
    )
    assert not (tmp_path / "out").exists()


def test_align_then_refuses_to_overwrite(capsys, tmp_path, easy_pair):
    code, out, _ = _run(
        capsys, "align", easy_pair / "bw.mp4", easy_pair / "color.mp4", "-o", tmp_path / "a"
    )
    assert code == 0 and "aligned" in out
    _one_line_error(
        *_run(capsys, "align", easy_pair / "bw.mp4", easy_pair / "color.mp4", "-o", tmp_path / "a")[
            ::2
        ],
        "--overwrite",
    )


def test_docs_option_tables_are_generated_from_the_command_line():
    from pipelines.tools.docs import stale

    assert stale() == [], "run python -m pipelines.tools.docs"


def test_settings_are_checked_where_they_are_made(capsys):
    code = main(["-q", "train", "--epochs", "0"])
    assert code == 1 and "--epochs must be 1 or more" in capsys.readouterr().err
    code = main(["-q", "align", "a.mp4", "b.mp4", "--size", "60"])
    assert code == 1 and "--size must be a multiple of 8" in capsys.readouterr().err


def test_frame_rates_are_exact_fractions():
    from fractions import Fraction

    from filmcolor.settings import AlignSettings, frame_rate

    assert frame_rate("23.976") == frame_rate("24000/1001") == Fraction(24000, 1001)
    assert frame_rate("29.97") == Fraction(30000, 1001) and frame_rate("25") == 25
    assert frame_rate("23.9") == Fraction(239, 10), "only rates this close to NTSC are snapped"
    assert AlignSettings(fps=23.976).fps == Fraction(24000, 1001)
