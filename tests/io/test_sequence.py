"""Image sequences read like a video: DPX, TIFF, PNG and EXR frames made by ffmpeg from numpy."""

import subprocess
from fractions import Fraction

import numpy as np
import pytest

from filmcolor.cli import main
from filmcolor.errors import VideoError
from filmcolor.io.dpx import read_header, write_dpx
from filmcolor.io.video import FrameReader, probe

W, H, N = 64, 48, 6


def _frames(pix_fmt: str) -> np.ndarray:
    """N frames whose every pixel says its frame number and column: (value of frame k, column x)
    = (k * 1000 + x * 700) in 16 bits."""
    k = np.arange(N)[:, None, None]
    x = np.arange(W)[None, None, :]
    grey = np.broadcast_to((k * 1000 + x * 700) % 65536, (N, H, W)).astype(np.uint16)
    if pix_fmt == "gray16le":
        return grey
    return np.stack([grey, 65535 - grey, grey // 2], axis=-1)  # rgb48le


def _write(folder, pattern: str, pix_fmt: str, frames: np.ndarray, *codec, start=0):
    folder.mkdir(exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", pix_fmt]
        + ["-s", f"{W}x{H}", "-i", "-", *codec, "-start_number", str(start), str(folder / pattern)],
        input=frames.tobytes(),
        check=True,
    )
    return folder


@pytest.mark.parametrize(
    "name, pix_fmt, codec",
    [
        ("%06d.tif", "gray16le", ["-c:v", "tiff", "-compression_algo", "deflate"]),
        ("%06d.tif", "rgb48le", ["-c:v", "tiff"]),
        ("frame_%04d.png", "gray16le", ["-c:v", "png", "-pix_fmt", "gray16be"]),
        ("%07d.dpx", "rgb48le", ["-c:v", "dpx"]),
    ],
)
def test_sequences_are_read_in_order_at_their_own_depth(tmp_path, name, pix_fmt, codec):
    frames = _frames(pix_fmt)
    folder = _write(tmp_path / "scan", name, pix_fmt, frames, *codec, start=1001)
    info = probe(folder)
    assert (info.width, info.height, info.frames, info.fps, info.bits) == (W, H, N, 24, 16)
    assert info.sequence.start == 1001 and info.duration == N / 24
    back = np.concatenate(list(FrameReader(info, pix_fmt=pix_fmt, batch=4)))
    assert back.dtype == np.uint16 and np.array_equal(back, frames)
    # the pattern reads the same frames; an excerpt starts where it should
    pattern = probe(folder / name, Fraction(25))
    assert pattern.fps == 25 and pattern.frames == N
    excerpt = np.concatenate(
        list(FrameReader(pattern, pix_fmt=pix_fmt, start=2 / 25, duration=0.1))
    )
    assert np.array_equal(excerpt, frames[2:5])


def test_exr_sequences_are_read_as_display_values(tmp_path):
    linear = np.broadcast_to(np.linspace(0, 1, W, dtype=np.float32), (N, H, W))
    folder = _write(
        tmp_path / "exr", "%06d.exr", "grayf32le", np.ascontiguousarray(linear), "-c:v", "exr"
    )
    info = probe(folder)
    assert info.bits == 16 and info.frames == N
    back = np.concatenate(list(FrameReader(info, pix_fmt="grayf32le")))
    oetf = np.where(linear < 0.018, 4.5 * linear, 1.099 * linear**0.45 - 0.099)  # BT.709's
    assert np.abs(back - oetf).max() < 2e-3


def test_dpx_header_gives_frame_rate_and_timecode(tmp_path):
    folder = tmp_path / "dpx"
    folder.mkdir()
    grey = _frames("gray16le")
    for k in range(N):
        frame = np.repeat((grey[k] >> 6)[..., None], 3, axis=2)
        write_dpx(
            folder / f"{86400 + k:07d}.dpx", frame, 10, fps=Fraction(25), timecode="01:00:00:00"
        )
    header = read_header(folder / "0086401.dpx")
    assert (header.width, header.height, header.bits, header.fps) == (W, H, 10, 25)
    info = probe(folder)
    assert info.fps == 25 and info.timecode == "01:00:00:00" and info.bits == 10
    assert probe(folder, Fraction(24)).fps == 24, "the option wins over the header"
    back = np.concatenate(list(FrameReader(info, pix_fmt="rgb48le")))
    assert np.array_equal(back[..., 0] >> 6, grey >> 6)


def test_unpadded_numbers_sort_as_numbers(tmp_path):
    folder = tmp_path / "nopad"
    _write(folder, "%d.png", "gray16le", _frames("gray16le"), "-c:v", "png", start=7)  # 7 .. 12
    info = probe(folder)
    assert info.sequence.pattern.endswith("/%d.png") and info.frames == N
    back = np.concatenate(list(FrameReader(info, pix_fmt="gray16le")))
    assert np.array_equal(back, _frames("gray16le"))


def test_a_gap_is_refused_naming_the_first_missing_frame(tmp_path, capsys):
    folder = _write(tmp_path / "gap", "%06d.tif", "gray16le", _frames("gray16le"), "-c:v", "tiff")
    (folder / "000002.tif").unlink()
    (folder / "000003.tif").unlink()
    with pytest.raises(VideoError, match="frame 000002.tif is missing"):
        probe(folder)
    assert main(["-q", "align", str(folder), str(folder / "nothing.mp4")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "000002.tif is missing (2 missing" in err


def test_folders_that_hold_no_single_sequence(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(VideoError, match="no numbered image files"):
        probe(tmp_path / "empty")
    both = _write(tmp_path / "both", "a_%03d.png", "gray16le", _frames("gray16le"), "-c:v", "png")
    _write(both, "b_%03d.png", "gray16le", _frames("gray16le"), "-c:v", "png")
    with pytest.raises(VideoError, match="several sequences"):
        probe(both)
    assert probe(both / "b_%03d.png").frames == N
    with pytest.raises(VideoError, match="no files named like"):
        probe(both / "c_%03d.png")


def test_a_sequence_named_by_a_relative_path_is_read_one_frame_in_n(tmp_path, monkeypatch):
    # One frame in N (what render's first look at the film reads) goes through an ffconcat list in
    # the temporary folder; a folder named relative to where the command runs is still found.
    _write(tmp_path / "scan", "%06d.tif", "gray16le", _frames("gray16le"), "-c:v", "tiff")
    monkeypatch.chdir(tmp_path)
    info = probe("scan")
    back = np.concatenate(list(FrameReader(info, pix_fmt="gray16le", keyframes=True)))
    assert len(back) >= 1 and np.array_equal(back[0], _frames("gray16le")[0])
