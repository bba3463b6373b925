"""Scans in, masters out: a 16-bit scan rendered to every output format, at its depth, with its
colour tags, its sound cut to the picture and its timecode (a plain colour function, no model)."""

import json
import subprocess
from fractions import Fraction

import cv2
import numpy as np
import pytest

from filmcolor.cli import main
from filmcolor.errors import VideoError
from filmcolor.io.dpx import read_header
from filmcolor.io.video import FrameReader, probe
from filmcolor.rendering.renderer import render_film
from filmcolor.settings import RenderSettings

W, H, N = 320, 240, 12


def _ffmpeg(*args, data: bytes | None = None):
    cmd = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *map(str, args)]
    subprocess.run(cmd, input=data, check=True)


def _streams(path) -> list[dict]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        check=True,
    ).stdout
    return json.loads(out)["streams"]


def _colour(ab=(20.0, -15.0)):
    def colour(pictures):
        small = np.stack([cv2.resize(p, (16, 16), interpolation=cv2.INTER_AREA) for p in pictures])
        return np.full((*small.shape, 2), ab, np.float32), small

    return colour


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    """A 16-bit grey TIFF scan (a ramp and a moving square, with grain) and a 3-second WAV."""
    root = tmp_path_factory.mktemp("scan")
    rng = np.random.default_rng(0)
    frames = np.empty((N, H, W), np.uint16)
    for k in range(N):
        img = np.linspace(2000, 63000, W)[None, :] * np.ones((H, 1))
        img[60:180, 80 + 5 * k : 200 + 5 * k] = 30000
        frames[k] = np.clip(img + rng.normal(0, 300, img.shape), 0, 65535)
    (root / "scan").mkdir()
    _ffmpeg("-f", "rawvideo", "-pix_fmt", "gray16le", "-s", f"{W}x{H}", "-i", "-", "-c:v", "tiff",
            "-start_number", 100, root / "scan" / "%06d.tif", data=frames.tobytes())  # fmt: skip
    _ffmpeg("-f", "lavfi", "-i", "sine=f=440:r=22050:d=3", "-c:a", "pcm_s24le", root / "bw.wav")
    return root, frames


# output name, pix_fmt and codec written, as ffprobe reads them back
OUTPUTS = [
    ("out.mov", {}, "prores", "yuv422p10le", "HQ"),
    ("out4444.mov", {"pix_fmt": "yuv444p10le"}, "prores", "yuv444p12le", "4444"),
    ("out.mxf", {}, "dnxhd", "yuv422p10le", "DNXHR HQX"),
    ("out.mkv", {}, "ffv1", "yuv420p16le", None),
    ("out.mp4", {}, "h264", "yuv420p", None),
    ("tif/%06d.tif", {}, "tiff", "rgb48le", None),
    ("dpx", {"codec": "dpx"}, "dpx", "gbrp10le", None),
    ("png/%06d.png", {}, "png", "rgb48be", None),
    ("exr/%06d.exr", {}, "exr", "gbrpf32le", None),
]


@pytest.mark.parametrize("name, options, codec, pix_fmt, profile", OUTPUTS)
def test_each_output_format_at_its_depth_with_its_tags(scan, tmp_path, name, options, codec,
                                                       pix_fmt, profile):  # fmt: skip
    root, frames = scan
    out = tmp_path / name
    result = render_film(root / "scan", out, _colour(), RenderSettings(smooth=0, **options))
    info = probe(result.out)
    assert (info.codec, info.pix_fmt, info.width, info.height, info.frames) == (
        codec, pix_fmt, W, H, N
    )  # fmt: skip
    video = next(s for s in _streams(info.sequence.file(0) if info.sequence else info.path))
    if profile:
        assert video["profile"] == profile
    if info.sequence is None and codec != "dnxhd":  # SD, untagged source: BT.601
        assert (video["color_space"], video["color_primaries"], video["color_range"]) == (
            "smpte170m", "smpte170m", "tv"
        )  # fmt: skip
    if info.sequence is not None:
        made = json.loads((result.out / "sequence.json").read_text())
        assert made["frames"] == N and made["first_number"] == 100 and made["fps"] == "24/1"
        assert info.sequence.start == 100 and info.fps == 24


def test_no_colour_keeps_the_scans_luma_exactly(scan, tmp_path):
    """With no colour, a 16-bit TIFF sequence out holds the scan itself (R = G = B = its luma)
    and FFV1 its luma to 16 bits."""
    root, frames = scan
    grey = _colour((0.0, 0.0))
    tif = render_film(root / "scan", tmp_path / "t" / "%06d.tif", grey, RenderSettings(smooth=0))
    rgb = np.concatenate(list(FrameReader(probe(tif.out), pix_fmt="rgb48le"))).astype(int)
    assert np.abs(rgb - frames[..., None]).max() <= 1
    mkv = render_film(root / "scan", tmp_path / "o.mkv", grey, RenderSettings(smooth=0))
    planes = np.concatenate(list(FrameReader(probe(mkv.out), pix_fmt="yuv420p16le")))
    y = (planes[:, :H].astype(float) / 256 - 16) / 219 * 65535
    assert np.abs(y - frames).max() < 1.0
    # read back by ffmpeg through zimg, which keeps the range formula (swscale's own reading puts
    # video-range white at 65280, not 65535: two 10-bit levels low on mid grey)
    back = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(mkv.out), "-vf",
         "zscale=rangein=limited:range=full,format=gray16le", "-f", "rawvideo", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    back = np.frombuffer(back, "<u2").reshape(frames.shape).astype(float)
    levels = (back - frames) / 64  # 10-bit levels
    assert np.sqrt(np.mean(levels**2)) < 0.5


def test_a_10_bit_ramp_survives_a_render_to_ffv1(tmp_path):
    """Every 10-bit luma code of the legal range, across an HD frame: the render's luma equals it
    (within half a level), written at 10 bits and tagged BT.709."""
    w, h = 1280, 720
    y = np.broadcast_to(np.rint(64 + np.arange(w) * 876 / (w - 1)).astype(np.uint16), (h, w))
    chroma = np.full((h // 2, w // 2), 512, np.uint16)
    frame = np.concatenate([y.ravel(), chroma.ravel(), chroma.ravel()])
    src = tmp_path / "ramp.mkv"
    _ffmpeg("-f", "rawvideo", "-pix_fmt", "yuv420p10le", "-s", f"{w}x{h}", "-r", 24, "-i", "-",
            "-c:v", "ffv1", src, data=np.tile(frame, 4).astype("<u2").tobytes())  # fmt: skip
    out = render_film(src, tmp_path / "out.mkv", _colour(), RenderSettings(smooth=0)).out
    info = probe(out)
    assert info.pix_fmt == "yuv420p10le" and info.colour.matrix == "bt709"
    assert info.colour.primaries == "bt709" and info.colour.range == "tv"
    planes = np.concatenate(list(FrameReader(info, pix_fmt="yuv420p10le")))
    assert np.abs(planes[:, :h].astype(int) - y).max() <= 0.5
    u = planes[:, h : h + h // 4]
    assert np.abs(u.astype(int) - 512).mean() > 10, "and it is coloured"


def test_audio_is_muxed_and_cut_to_the_film(scan, tmp_path):
    root, _ = scan
    for name, codec in (("a.mov", "pcm_s24le"), ("a.mxf", "pcm_s24le"), ("a.mkv", "flac")):
        out = render_film(
            root / "scan",
            tmp_path / name,
            _colour(),
            RenderSettings(smooth=0),
            audio=root / "bw.wav",
        ).out
        audio = next(s for s in _streams(out) if s["codec_type"] == "audio")
        assert audio["codec_name"] == codec
        duration = float(audio.get("duration") or probe(out).duration)
        assert abs(duration - N / 24) < 1e-3, name
    seq = render_film(
        root / "scan", tmp_path / "seq", _colour(), RenderSettings(smooth=0), audio=root / "bw.wav"
    ).out
    wav = next(s for s in _streams(seq / "audio.wav") if s["codec_type"] == "audio")
    assert int(wav["duration_ts"]) == 22050 * N // 24 and wav["sample_rate"] == "22050"


def test_timecode_survives_mov_to_mov_and_moves_with_an_excerpt(scan, tmp_path):
    root, _ = scan
    settings = RenderSettings(smooth=0, timecode="10:00:00:00")
    src = render_film(root / "scan", tmp_path / "src.mov", _colour(), settings).out
    assert probe(src).timecode == "10:00:00:00"
    again = render_film(src, tmp_path / "again.mov", _colour(), RenderSettings(smooth=0)).out
    assert probe(again).timecode == "10:00:00:00"
    excerpt = RenderSettings(smooth=0, start=0.25, codec="dpx")
    dpx = render_film(src, tmp_path / "dpx", _colour(), excerpt).out
    first = read_header(dpx / "000006.dpx")  # the excerpt starts at frame 6, and so its numbers
    assert (first.timecode, first.fps) == ("10:00:00:06", 24)
    assert read_header(dpx / "000011.dpx").timecode == "10:00:00:11"


def test_the_command_renders_a_scan_to_prores_with_its_sound(scan, tiny_model, tmp_path):
    root, _ = scan
    out = tmp_path / "master.mov"
    argv = ["-q", "render", root / "scan", "-o", out, "--model", tiny_model]
    assert main([*map(str, argv), "--audio", str(root / "bw.wav")]) == 0
    info = probe(out)
    assert (info.frames, info.pix_fmt, info.audio) == (N, "yuv422p10le", ("pcm_s24le",))


def test_a_sequence_is_written_all_or_nothing_into_a_folder_of_its_own(scan, tmp_path):
    root, _ = scan
    calls = {"n": 0}

    def failing(pictures):
        calls["n"] += 1
        if calls["n"] > 1:
            raise RuntimeError("stopped")
        return _colour()(pictures)

    settings = RenderSettings(smooth=0, batch_size=4)
    with pytest.raises(RuntimeError):
        render_film(root / "scan", tmp_path / "seq" / "%06d.dpx", failing, settings)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    with pytest.raises(VideoError, match="did not write"):
        render_film(root / "scan", tmp_path / "mine", _colour(), settings, overwrite=True)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"
    (tmp_path / "empty").mkdir()
    assert render_film(root / "scan", tmp_path / "empty", _colour(), settings).frames == N


class _Stopping:
    """A plain colour that stops the render (as Ctrl-C would) after ``calls`` batches."""

    def __init__(self, calls: int | None = None):
        self.calls = calls

    def __call__(self, pictures):
        if self.calls is not None:
            self.calls -= 1
            if self.calls < 0:
                raise KeyboardInterrupt
        return _colour()(pictures)


def test_an_interrupted_sequence_resumes_without_rewriting_finished_frames(tmp_path):
    scan = tmp_path / "scan"
    scan.mkdir()
    frames = np.linspace(5000, 60000, 60)[:, None, None] * np.ones((60, 64, 96))
    _ffmpeg("-f", "rawvideo", "-pix_fmt", "gray16le", "-s", "96x64", "-i", "-", "-c:v", "tiff",
            scan / "%06d.tif", data=frames.astype(np.uint16).tobytes())  # fmt: skip
    out, settings = tmp_path / "master", RenderSettings(smooth=0, segment=1, batch_size=8)
    with pytest.raises(KeyboardInterrupt):
        render_film(scan, out / "%06d.dpx", _Stopping(calls=4), settings)  # in the second piece
    work = tmp_path / ".master.segments"
    first = next(work.glob("seg-*/000001.dpx"))  # numbered as the scan is, from 1
    assert not out.exists()
    before = first.stat()
    assert render_film(scan, out / "%06d.dpx", _Stopping(), settings).frames == 60
    after = (out / "000001.dpx").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert len(list(out.glob("*.dpx"))) == 60
    assert first.stat().st_ino == after.st_ino, "linked, kept for a render again"


def test_a_scan_whose_files_say_no_rate_plays_at_the_rate_its_sound_lasts(scan, tmp_path):
    root, _ = scan
    wav = tmp_path / "sound.wav"
    _ffmpeg("-f", "lavfi", "-i", f"sine=f=440:r=48000:d={N * 1001 / 24000}", wav)
    out = render_film(root / "scan", tmp_path / "o.mkv", _colour(), RenderSettings(smooth=0),
                      audio=wav).out  # fmt: skip
    assert probe(out).fps == Fraction(24000, 1001)
