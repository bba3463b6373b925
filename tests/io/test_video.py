import subprocess
from fractions import Fraction

import cv2
import numpy as np
import pytest

from filmcolor.colour import rgb_to_ab
from filmcolor.errors import VideoError
from filmcolor.io.audio import sound_of
from filmcolor.io.decoding import Decoding
from filmcolor.io.timestamps import grid, packet_times
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
    grey = np.concatenate(list(FrameReader(info, pix_fmt="gray")))
    assert grey.shape == (info.frames, 112, 192)


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


def test_colour_scaled_by_the_reader_stays_on_its_own_pixels(tmp_path):
    """Chroma at half resolution (I420), halved again by the reader: the colour of each pixel is
    its own area's, not moved across a colour edge (swscale's default puts a*b* up to 66 off)."""
    rgb = np.zeros((64, 96, 3), np.uint8)
    rgb[:] = (200, 40, 40)
    rgb[:, 48:] = (40, 60, 200)
    rgb[20:44, 20:30] = (40, 180, 60)
    png, film = tmp_path / "edge.png", tmp_path / "edge.mp4"
    cv2.imwrite(str(png), rgb[..., ::-1])
    subprocess.run(
        ["ffmpeg", "-v", "error", "-loop", "1", "-i", png, "-frames:v", "2", "-vf",
         "scale=out_color_matrix=bt601:out_range=tv,format=yuv420p", "-c:v", "libx264", "-qp", "0",
         "-colorspace", "smpte170m", film],
        check=True,
    )  # fmt: skip
    with FrameReader(probe(film), size=(48, 32), decoding=Decoding(matrix="bt601")) as reader:
        frame = next(iter(reader))[0]
    want = rgb_to_ab(cv2.resize(rgb, (48, 32), interpolation=cv2.INTER_AREA))
    apart = np.hypot(*np.moveaxis(rgb_to_ab(frame) - want, -1, 0))
    assert apart.mean() < 1.0 and apart.max() < 15


def test_a_file_turned_by_its_display_matrix_is_read_upright(tmp_path):
    plain, turned = tmp_path / "plain.mp4", tmp_path / "turned.mp4"
    ff = ["ffmpeg", "-loglevel", "error"]
    subprocess.run([*ff, "-f", "lavfi", "-i", "testsrc=size=64x48:rate=24:duration=1", str(plain)])
    subprocess.run(
        [*ff, "-i", str(plain), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(turned)]
    )
    info = probe(turned)
    assert (info.width, info.height, info.turn) == (48, 64, 1)
    frames = np.concatenate(list(FrameReader(info, pix_fmt="gray")))
    upright = np.concatenate(list(FrameReader(probe(plain), pix_fmt="gray")))
    assert frames.shape[1:] == (64, 48)
    assert np.abs(frames[0].astype(int) - np.rot90(upright[0], 1)).mean() < 4, "turned, not torn"


def test_a_broadcast_capture_cut_mid_gop_is_read(tmp_path):
    """A transport stream cut from a broadcast begins inside a group of pictures: the frames
    before its first keyframe are lost, the file is not damaged."""
    full = tmp_path / "full.ts"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:d=4",
         "-c:v", "mpeg2video", "-g", "15", "-bf", "2", "-f", "mpegts", str(full)],
        check=True,
    )  # fmt: skip
    data = full.read_bytes()
    cut = tmp_path / "cut.ts"
    cut.write_bytes(data[len(data) // 188 // 5 * 188 :])  # from a packet a fifth of the way in
    info = probe(cut)
    read = sum(len(batch) for batch in FrameReader(info, size=(16, 16)))
    assert info.frames - 25 <= read < info.frames
    # its timestamps start at its first keyframe: the packets before it hold no frame, and a
    # steady rate stays one (not a variable rate missing frames)
    times = packet_times(cut)
    assert grid(times) is None and read <= len(times) <= read + 2  # + the B-frames it leads
