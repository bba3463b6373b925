"""The output format chosen from -o's name and the source's depth, and what is refused up front."""

from fractions import Fraction

import pytest

from filmcolor.errors import FilmcolorError
from filmcolor.io.formats import (
    BT601,
    BT709,
    ColourTags,
    bit_depth,
    check_writable,
    chroma_subsampled,
    output_colour,
    output_format,
)


@pytest.mark.parametrize(
    "out, bits, options, codec, pix_fmt, written_bits",
    [
        ("a.mp4", 16, {}, "libx264", "yuv420p", 8),
        ("a.mp4", 10, {"pix_fmt": "yuv420p10le"}, "libx264", "yuv420p10le", 10),
        ("a.mov", 8, {}, "prores_ks", "yuv422p10le", 10),
        ("a.mov", 16, {"pix_fmt": "yuv444p10le"}, "prores_ks", "yuv444p10le", 10),
        ("a.mov", 16, {"codec": "libx264"}, "libx264", "yuv420p", 8),
        ("a.mxf", 8, {}, "dnxhd", "yuv422p", 8),
        ("a.mxf", 12, {}, "dnxhd", "yuv422p10le", 10),
        ("a.mkv", 8, {}, "ffv1", "yuv420p", 8),
        ("a.mkv", 10, {}, "ffv1", "yuv420p10le", 10),
        ("a.mkv", 16, {}, "ffv1", "yuv420p16le", 16),
        ("seq/%06d.tif", 16, {}, "tiff", "rgb48le", 16),
        ("seq/%06d.tif", 8, {}, "tiff", "rgb24", 8),
        ("seq/%07d.dpx", 16, {}, "dpx", "gbrp10le", 10),
        ("seq/%07d.dpx", 16, {"pix_fmt": "rgb48le"}, "dpx", "rgb48le", 16),
        ("seq", 10, {"codec": "png"}, "png", "rgb48le", 16),
        ("seq/%04d.exr", 8, {}, "exr", "gbrpf32le", 16),
    ],
)
def test_the_format_follows_the_name_and_the_source_depth(
    tmp_path, out, bits, options, codec, pix_fmt, written_bits
):
    fmt = output_format(tmp_path / out, bits, **options)
    assert (fmt.codec, fmt.pix_fmt, fmt.bits) == (codec, pix_fmt, written_bits)
    assert fmt.sequence == ("." not in out or "%" in out)


def test_profiles_of_the_mastering_codecs(tmp_path):
    assert output_format(tmp_path / "a.mov", 16).options["profile:v"] == 3  # 422 HQ
    assert output_format(tmp_path / "a.mov", 16, pix_fmt="yuv444p10le").options["profile:v"] == 4
    assert output_format(tmp_path / "a.mxf", 16).options["profile:v"] == "dnxhr_hqx"
    assert output_format(tmp_path / "a.mkv", 16).options["level"] == 3


@pytest.mark.parametrize(
    "out, options, message",
    [
        ("a.mxf", {"codec": "prores_ks"}, "MXF holds DNxHR"),
        ("a.mov", {"pix_fmt": "yuv420p"}, "prores_ks does not write yuv420p"),
        ("a.mkv", {"pix_fmt": "rgb48le"}, "not a planar Y'CbCr format"),
        ("s/%06d.jpg", {}, "not .jpg"),
        ("s/%06d.tif", {"pix_fmt": "gbrp10le"}, "tiff frames are written as rgb24, rgb48le"),
        ("s", {"codec": "libx264"}, "--codec tiff, png, dpx or exr"),
    ],
)
def test_what_cannot_be_written_is_refused(tmp_path, out, options, message):
    with pytest.raises(FilmcolorError, match=message):
        output_format(tmp_path / out, 16, **options)


def test_containers_limits_are_checked_before_any_work(tmp_path):
    with pytest.raises(FilmcolorError, match="256x120"):
        check_writable(output_format(tmp_path / "a.mxf", 16), 192, 112, Fraction(24))
    with pytest.raises(FilmcolorError, match="MXF does not hold 18 fps"):
        check_writable(output_format(tmp_path / "a.mxf", 16), 1920, 1080, Fraction(18))
    check_writable(output_format(tmp_path / "a.mov", 16), 192, 112, Fraction(18))


def test_colour_tags_follow_the_source_else_the_size():
    assert output_colour(ColourTags(), 1920, 1080) == BT709
    assert output_colour(ColourTags(), 720, 576) == BT601
    pal = output_colour(ColourTags("bt470bg", "bt470bg", None, "tv"), 720, 576)
    assert (pal.matrix, pal.primaries, pal.transfer) == ("bt470bg", "bt470bg", "smpte170m")
    assert output_colour(ColourTags("smpte170m"), 1920, 1080).weights == (0.299, 0.114)


def test_bit_depths_of_pixel_formats():
    depths = {"yuv420p": 8, "gray": 8, "rgb24": 8, "yuv422p10le": 10, "gbrp12le": 12}
    depths |= {"gray16be": 16, "rgb48le": 16, "rgba64le": 16, "grayf32le": 16, "p010le": 10}
    assert {f: bit_depth(f) for f in depths} == depths


def test_only_subsampled_chroma_can_sit_off_the_luma():
    assert all(map(chroma_subsampled, ("yuv420p", "yuv422p10le", "yuvj420p", "nv12", "uyvy422")))
    assert not any(map(chroma_subsampled, ("yuv444p", "rgb24", "gbrp10le", "rgb48le", "gray")))
