"""The kinds of fields a colour release's frames can be made of, declared once: a new kind is its
name in ``FieldKind`` and its entry in ``FIELD_KINDS``, here.

A kind's ``FieldKindSpec`` is what the rest of alignment reads of it: whether its field order
matters (measured, and kept in manifest.json), its cadence (the frames in which a repeated field
recurs: ``windows`` finds hard telecine by it, ``stretches`` cuts beside it to the frame), the
ffmpeg chain that decodes it and the pictures that chain makes of each cycle of frames
(``fields.chain``), whether ``--fields`` may name it, and what it is (``python -m
pipelines.tools.fields --kinds`` lists them). How a second is found to be of a kind is
``windows``' measurement. Nothing of the package is imported here, so ``settings`` can offer the
kinds ``--fields`` names.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FieldKind(StrEnum):
    """A kind's name, as manifest.json, the logs and ``--fields`` write it."""

    PROGRESSIVE = "progressive"
    SOFT = "soft"
    TELECINE = "telecine"
    SHIFTED = "shifted"
    INTERLACED = "interlaced"
    MIXED = "mixed"


UNKNOWN = "unknown"  # a second whose kind could not be told (black, a still)
AUTO = "auto"  # --fields: the kind measured

# Field matching with combing measured on every frame (a frame it cannot match, at a cut, is
# flagged combed: its threshold 15, above the default 9, which takes fine film detail for combing),
# the few combed frames left deinterlaced from one field (bwdif, frame for frame).
FIELDMATCH = "fieldmatch=order={o}:combmatch=full:cthresh=15"
COMBED = "bwdif=mode=send_frame:deint=interlaced"


@dataclass(frozen=True)
class FieldKindSpec:
    """What a kind is: ``fielded``, its field order matters (measured, tff or bff); ``filters``,
    its ffmpeg chain (``{o}`` the field order; "" none: the frames as decoded, at the rate
    measured; None: each stretch of the file through its own kind's chain); ``cycle``, the input
    frames and the pictures the chain makes of them; ``cadence``, the frames in which a repeated
    field recurs (None: none); ``repeats``, the chain sees the fields as soft flags repeat them,
    where the file has such flags (its cycles are then not fixed); ``told``, ``--fields`` may
    name it; ``about``, what it is and why its chain."""

    fielded: bool
    filters: str | None
    about: str
    cycle: tuple[int, int] = (1, 1)
    cadence: int | None = None
    repeats: bool = False
    told: bool = False


FIELD_KINDS: dict[FieldKind, FieldKindSpec] = {
    FieldKind.PROGRESSIVE: FieldKindSpec(
        False,
        "",
        "whole frames (a PAL DVD's too, though flagged interlaced): decoded as they are",
        told=True,
    ),
    FieldKind.SOFT: FieldKindSpec(
        False,
        "",
        "soft pulldown: progressive frames flagged to repeat fields, whole as decoded",
    ),
    FieldKind.TELECINE: FieldKindSpec(
        True,
        f"{FIELDMATCH},{COMBED},decimate=scthresh=100",
        "hard telecine (3:2 pulldown: two frames in five mix two film frames): field matching "
        "rebuilds each film frame in the order measured, a frame it cannot match (at a cut) is "
        "deinterlaced from one field, decimate drops the repeat in each five (its own scene "
        "threshold would drop the first frame of a shot)",
        cycle=(5, 4),
        cadence=5,
        repeats=True,
        told=True,
    ),
    FieldKind.SHIFTED: FieldKindSpec(
        True,
        "fieldmatch=order={o}",
        "field-shifted progressive (a bad PAL transfer): each field paired again with its own "
        "frame's",
    ),
    FieldKind.INTERLACED: FieldKindSpec(
        True,
        "bwdif=mode=send_field:parity={o}",
        "interlaced video, every field a moment of its own: one picture per field",
        cycle=(1, 2),
        told=True,
    ),
    FieldKind.MIXED: FieldKindSpec(
        True,
        None,
        "stretches of different kinds (telecined film, then video): each through its own chain",
    ),
}

# --fields: the kind measured, or one the user says the release is
CHOICES = (AUTO, *(k.value for k, spec in FIELD_KINDS.items() if spec.told))
