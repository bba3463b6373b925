"""The tables of io.codecs are the one source of the output formats: every entry is what
output_format chooses and what --help lists."""

from fractions import Fraction

import pytest

from filmcolor.cli import subcommand
from filmcolor.errors import FilmcolorError
from filmcolor.io.codecs import CONTAINERS, ENCODERS, FOLDER, Kind, encoder
from filmcolor.io.formats import PLANAR, bit_depth, check_writable, output_format

VIDEO = [e for e in ENCODERS.values() if e.kind is Kind.VIDEO]
IMAGES = [e for e in ENCODERS.values() if e.kind is Kind.IMAGES]
PLAIN = {"crf": None, "preset": None}  # no quality options


@pytest.mark.parametrize("bits", [8, 10, 16])
@pytest.mark.parametrize("box", CONTAINERS.values(), ids=list(CONTAINERS))
def test_each_container_is_written_with_its_encoder(tmp_path, box, bits):
    fmt = output_format(tmp_path / f"a{box.suffix}", bits)
    enc = ENCODERS[box.encoder]
    assert (fmt.codec, fmt.encoder, fmt.sequence) == (box.encoder, enc, False)
    assert fmt.pix_fmt in enc.by_depth and fmt.pix_fmt in (enc.pix_fmts or PLANAR)
    assert fmt.bits == bit_depth(fmt.pix_fmt) == PLANAR[fmt.pix_fmt][0]


@pytest.mark.parametrize("enc", VIDEO, ids=[e.name for e in VIDEO])
def test_each_video_encoder_writes_what_it_declares(tmp_path, enc):
    """Its default follows the source's depth, up to its deepest; every pixel format it declares
    is taken, with its profile; --crf and --preset go where it takes them."""
    for bits, deepest in ((8, False), (16, True)):
        fmt = output_format(tmp_path / "a.mkv", bits, codec=enc.name, crf=20, preset="fast")
        assert fmt.codec == enc.name
        assert fmt.pix_fmt == (enc.by_depth[-1] if deepest else enc.by_depth[0])
        assert ("crf" in fmt.options, "preset" in fmt.options) == (enc.crf, enc.preset)
    for pix_fmt in enc.pix_fmts or ():
        fmt = output_format(tmp_path / "a.mkv", 16, codec=enc.name, pix_fmt=pix_fmt, **PLAIN)
        profile = {"profile:v": enc.profiles[pix_fmt]} if enc.profiles else {}
        assert fmt.options == {**profile, **enc.options}
    if enc.pix_fmts:
        assert not enc.profiles or set(enc.profiles) == set(enc.pix_fmts)
        refused = next(p for p in PLANAR if p not in enc.pix_fmts)
        with pytest.raises(FilmcolorError, match=f"{enc.name} does not write {refused}"):
            output_format(tmp_path / "a.mkv", 16, codec=enc.name, pix_fmt=refused)


@pytest.mark.parametrize("enc", IMAGES, ids=[e.name for e in IMAGES])
def test_each_image_type_is_a_sequence_by_its_suffixes_and_by_codec(tmp_path, enc):
    for suffix in enc.suffixes:
        fmt = output_format(tmp_path / "s" / f"%06d{suffix}", 16)
        assert (fmt.codec, fmt.sequence, fmt.pix_fmt) == (enc.name, True, enc.by_depth[-1])
    fmt = output_format(tmp_path / "s", 8, codec=enc.name)
    assert (fmt.name, fmt.pix_fmt, fmt.options) == (
        f"%06d{enc.suffixes[0]}",
        enc.by_depth[0],
        enc.options,
    )
    for pix_fmt in enc.pix_fmts:
        assert output_format(tmp_path / "s", 16, codec=enc.name, pix_fmt=pix_fmt).bits == bit_depth(
            pix_fmt
        )


def test_a_folder_holds_the_folder_type_and_any_other_name_is_the_fallback(tmp_path):
    assert output_format(tmp_path / "s", 16).codec == FOLDER
    assert output_format(tmp_path / "a.avi", 16).codec == CONTAINERS[".mp4"].encoder
    assert encoder("mpeg4").pix_fmts is None  # not listed: taken as it is, ffmpeg checks it


def test_what_an_entry_refuses_is_refused(tmp_path):
    for box in CONTAINERS.values():
        path = tmp_path / f"a{box.suffix}"
        if box.only:
            with pytest.raises(FilmcolorError, match=f"{box.title} holds"):
                output_format(path, 16, codec="libx264")
        if box.rates is not None:
            fmt = output_format(path, 16)
            check_writable(fmt, 1920, 1080, min(box.rates))
            with pytest.raises(FilmcolorError, match=f"{box.title} does not hold 18 fps"):
                check_writable(fmt, 1920, 1080, Fraction(18))
    for enc in VIDEO:
        if enc.min_size != (0, 0):
            w, h = enc.min_size
            fmt = output_format(tmp_path / "a.mkv", 16, codec=enc.name)
            check_writable(fmt, w, h, Fraction(24))
            with pytest.raises(FilmcolorError, match=f"{enc.title} needs frames of {w}x{h}"):
                check_writable(fmt, w - 2, h, Fraction(24))


def test_the_help_lists_every_format():
    out = next(a for a in subcommand("render")._actions if a.dest == "out").help
    for box in CONTAINERS.values():
        assert f"{box.suffix} {ENCODERS[box.encoder].title} {box.encoder}" in out
    for enc in VIDEO:
        assert enc.name in out
    for enc in IMAGES:
        assert enc.suffixes[0] in out and enc.name in out
