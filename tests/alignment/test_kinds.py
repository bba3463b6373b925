"""The kinds of fields are declared once (``alignment.kinds``): the chains, the cadence and the
``--fields`` choices the rest of the package uses come from there."""

import json
from dataclasses import replace
from fractions import Fraction
from types import SimpleNamespace

import pytest

from filmcolor.alignment import windows
from filmcolor.alignment.fields import FieldStructure, chain
from filmcolor.alignment.kinds import CHOICES, FIELD_KINDS, FieldKind
from filmcolor.cli import subcommand
from pipelines.tools import fields as fields_tool

NTSC = Fraction(30000, 1001)
INFO = SimpleNamespace(fps=NTSC, start_time=0.0, duration=30.0, frames=899)
TELECINE = (
    "fieldmatch=order=bff:combmatch=full:cthresh=15,bwdif=mode=send_frame:deint=interlaced,"
    "decimate=scthresh=100"
)
# Each kind's chain, its cycle and the rates of its frames and pictures, on a 29.97 fps file
# measured at 23.976 with its field order BFF
CHAINS = {
    "progressive": ("", (1, 1), Fraction(24000, 1001), Fraction(24000, 1001)),
    "soft": ("", (1, 1), Fraction(24000, 1001), Fraction(24000, 1001)),
    "telecine": (TELECINE, (5, 4), NTSC, Fraction(24000, 1001)),
    "shifted": ("fieldmatch=order=bff", (1, 1), NTSC, NTSC),
    "interlaced": ("bwdif=mode=send_field:parity=bff", (1, 2), NTSC, 2 * NTSC),
}


def _decoding(kind: str, **fields):
    structure = FieldStructure(kind, "bff", frame_rate=Fraction(24000, 1001), **fields)
    return chain(structure, INFO, "bt601", False)


def test_every_kind_has_its_entry():
    assert list(FIELD_KINDS) == list(FieldKind)


@pytest.mark.parametrize("kind", [k for k in FieldKind if FIELD_KINDS[k].filters is not None])
def test_every_kind_is_decoded_through_the_chain_its_entry_declares(kind):
    spec, decoding = FIELD_KINDS[kind], _decoding(kind)
    assert (decoding.filters, decoding.cycle) == (spec.filters.format(o="bff"), spec.cycle)
    assert (decoding.filters, decoding.cycle, decoding.input_fps, decoding.fps) == CHAINS[kind]
    assert decoding.seekable


def test_a_chain_that_sees_soft_flags_repeat_fields_first_is_read_from_its_start():
    decoding = _decoding(FieldKind.TELECINE, soft_frames=0.5)
    assert decoding.filters == f"repeatfields,{TELECINE}" and not decoding.seekable
    told = _decoding(FieldKind.SOFT, chosen="telecine")  # --fields telecine on soft pulldown
    assert told.filters == decoding.filters


def test_fields_offers_auto_and_the_kinds_that_may_be_named():
    action = next(a for a in subcommand("align")._actions if a.dest == "fields")
    told = [k for k, spec in FIELD_KINDS.items() if spec.told]
    assert tuple(action.choices) == CHOICES == ("auto", *told)
    assert CHOICES == ("auto", "progressive", "telecine", "interlaced")
    assert action.help.endswith("or progressive, telecine or interlaced to say so")


def test_telecine_is_found_on_its_entrys_cadence(monkeypatch):
    """A repeated top field every fourth frame is telecine only where the cadence says four."""
    repeated = ["top" if i % 4 == 0 else "neither" for i in range(24)]
    progressive = ["progressive"] * 24
    assert windows._classify(repeated, progressive, [0] * 24) == "progressive"
    spec = replace(FIELD_KINDS[FieldKind.TELECINE], cadence=4)
    monkeypatch.setitem(FIELD_KINDS, FieldKind.TELECINE, spec)
    assert windows._classify(repeated, progressive, [0] * 24) == "telecine"


def test_kinds_are_written_as_their_names():
    stretches = ((0.0, 5.0, FieldKind.TELECINE), (5.0, 9.0, FieldKind.INTERLACED))
    structure = FieldStructure(
        FieldKind.MIXED, "tff", windows={FieldKind.SOFT: 2}, stretches=stretches
    )
    text = json.dumps(structure.to_json())
    assert '"kind": "mixed"' in text and '"windows": {"soft": 2}' in text
    assert '[0.0, 5.0, "telecine"], [5.0, 9.0, "interlaced"]' in text
    assert FieldStructure.from_json(json.loads(text)) == structure


def test_the_kinds_table_lists_each_kind_as_declared(capsys):
    fields_tool.main(["--kinds"])
    rows = capsys.readouterr().out.splitlines()[2:]
    assert [r.split(" | ")[0] for r in rows] == [f"| {k}" for k in FIELD_KINDS]
    assert all(spec.about in row for spec, row in zip(FIELD_KINDS.values(), rows))
