import subprocess
from fractions import Fraction

import numpy as np
import pytest

from filmcolor.errors import VideoError
from filmcolor.io.audio import sound_of
from filmcolor.io.video import FrameReader, probe
from filmcolor.io.writer import VideoWriter


def _ffmpeg(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *map(str, args)], check=True)


def test_probe_reads_size_rate_count_and_audio(easy_pair):
    info = probe(easy_pair / "bw.mp4")
    assert (info.width, info.height, info.fps) == (192, 112, Fraction(24))
    assert info.frames > 100 and info.audio == ("aac",)
    assert probe(easy_pair / "color.mp4").audio == ()


def test_reader_yields_every_frame_cropped_and_scaled(easy_pair):
    info = probe(easy_pair / "color.mp4")
    reader = FrameReader(info, size=(32, 16), crop=(10, 10, 100, 50), batch=7)
    batches = list(reader)
    assert all(b.shape[1:] == (16, 32, 3) for b in batches)
    assert sum(len(b) for b in batches) == reader.frames_read == info.frames
    gray = np.concatenate(list(FrameReader(info, pix_fmt="gray")))
    assert gray.shape == (info.frames, 112, 192)


def test_writer_round_trip_carries_audio(easy_pair, tmp_path):
    frames = np.zeros((12, 48, 64, 3), np.uint8)
    frames[:, :, :32] = (200, 30, 30)
    writer = VideoWriter(
        tmp_path / "out.mp4",
        64,
        48,
        Fraction(24),
        sound=sound_of(easy_pair / "bw.mp4", duration=0.5),
    )
    writer.write(frames)
    writer.close()
    info = probe(tmp_path / "out.mp4")
    assert (info.width, info.height, info.frames) == (64, 48, 12) and info.audio == ("aac",)
    back = np.concatenate(list(FrameReader(info)))
    assert np.abs(back[:, 10, 10].astype(int) - (200, 30, 30)).max() < 12


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: None, "no such file"),
        (lambda p: p.write_text("not a video"), "not a readable video"),
        (
            lambda p: _ffmpeg("-f", "lavfi", "-i", "sine=duration=0.5", "-c:a", "aac", p),
            "no video stream",
        ),
    ],
)
def test_probe_rejects_bad_files(tmp_path, make, message):
    path = tmp_path / "bad.mp4"
    make(path)
    with pytest.raises(VideoError, match=message):
        probe(path)


def test_truncated_file_raises(easy_pair, tmp_path):
    data = (easy_pair / "color.mp4").read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(VideoError, match="truncated or corrupt"):
        for _ in FrameReader(probe(cut), size=(16, 16)):
            pass
