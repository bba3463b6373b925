"""What each stage can be told: one frozen dataclass per stage, each option declared once.

A field carries its default and, in its metadata, its help text (and its flag where the command line
spells it otherwise, e.g. ``--no-snap`` for ``snap``). The command line is built from these classes,
the settings of a result are stored as ``as_json(settings)`` beside it, and the option tables in
``docs/`` are generated from the command line, so a default is written in one place. Constructors
check their values and say which option is wrong. Nothing here imports torch.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from .alignment.kinds import CHOICES as FIELDS_CHOICES
from .errors import FilmcolorError
from .model.heads import HEADS

ALIGNED = Path("aligned")  # where align writes and train reads, by default
RUNS = Path("runs")  # where train writes run folders and render/evaluate look for the latest
ARCHITECTURES = tuple(HEADS)  # model.heads

# Rates written as decimals (23.976, 29.97) that mean the NTSC fractions.
_NTSC = [Fraction(n * 1000, 1001) for n in (24, 30, 48, 60, 120)]


def frame_rate(text: str | float | Fraction) -> Fraction:
    """An exact frame rate from "24", "25", "24000/1001" or "23.976" (snapped to 24000/1001)."""
    try:
        rate = Fraction(str(text)) if not isinstance(text, Fraction) else text
    except (ValueError, ZeroDivisionError):
        raise FilmcolorError(f"not a frame rate: {text!r} (e.g. 24, 25 or 24000/1001)") from None
    for ntsc in _NTSC:
        if rate != ntsc and abs(rate - ntsc) < 2e-4 * ntsc:
            return ntsc
    return rate


def fractions(text: str) -> tuple[float, float, float]:
    """Three comma-separated numbers, e.g. "0.8,0.1,0.1"."""
    try:
        parts = tuple(float(x) for x in text.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 3:
        raise FilmcolorError(f"expected three fractions like 0.8,0.1,0.1, got {text!r}")
    return parts


def _either(names: tuple[str, ...] | list[str]) -> str:
    """Names as help text lists them: "a, b or c"."""
    *rest, last = names
    return f"{', '.join(rest)} or {last}" if rest else last


def devices(text: str) -> str | int:
    return int(text) if text.isdigit() else text


def option(default: Any, help: str, *, flag: str | None = None, parse=None, choices=None) -> Any:
    """A settings field: its default, help text, and how the command line spells and parses it."""
    meta = {"help": help, "flag": flag, "parse": parse, "choices": choices}
    if isinstance(default, (list, dict)):
        raise TypeError("settings are immutable: use a tuple")
    return field(default=default, metadata=meta)


def _check(ok: bool, name: str, wanted: str, value: Any) -> None:
    if not ok:
        raise FilmcolorError(f"--{name.replace('_', '-')} must be {wanted}, got {value}")


def as_json(settings: Any) -> dict:
    """The settings as JSON-friendly values (fractions as "num/den", tuples as lists, paths as
    text)."""

    def plain(v):
        if isinstance(v, Fraction):
            return f"{v.numerator}/{v.denominator}" if v.denominator != 1 else v.numerator
        if isinstance(v, tuple):
            return [plain(x) for x in v]
        return str(v) if isinstance(v, Path) else v

    return {k: plain(v) for k, v in dataclasses.asdict(settings).items()}


def from_json(cls: type, data: dict) -> Any:
    """Settings of ``cls`` from ``as_json``'s values (unknown keys, such as those a newer version
    added, are left out)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names})


def with_options(settings: Any, cls: type, options: dict) -> Any:
    """``settings`` (or the defaults of ``cls``) with ``options`` replaced; a misspelt option is an
    error."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(options) - names)
    if unknown:
        raise TypeError(f"{cls.__name__} has no option {', '.join(unknown)}")
    return dataclasses.replace(settings or cls(), **options)


def _input_fps() -> Any:
    return option(
        None,
        "frame rate of a film given as image frames (a folder, or a pattern such as "
        "scan/%%06d.dpx); default: the DPX header's, else (render) the rate at which it lasts as "
        "long as --audio, else 24",
        parse=frame_rate,
    )


def _check_input_fps(settings: Any) -> None:
    if settings.input_fps is not None:
        object.__setattr__(settings, "input_fps", frame_rate(settings.input_fps))
        _check(settings.input_fps > 0, "input_fps", "above 0", settings.input_fps)


@dataclass(frozen=True)
class AlignSettings:
    """How ``filmcolor align`` writes its pairs."""

    size: int = option(64, "side of the square frames written, pixels (a multiple of 8)")
    fps: Fraction = option(
        Fraction(24),
        "frame rate the B&W timeline is resampled to (24, 25, 24000/1001 or 23.976, ...)",
        parse=frame_rate,
    )
    every: int = option(1, "keep one pair in N (1 keeps all)")
    input_fps: Fraction | None = _input_fps()
    fields: str = option(
        "auto",
        "how the colour release's frames are made of fields: auto (measured: progressive, soft or "
        f"hard telecine, interlaced, mixed), or {_either(FIELDS_CHOICES[1:])} to say so",
        choices=FIELDS_CHOICES,
    )

    def __post_init__(self):
        _check_input_fps(self)
        _check(
            self.size >= 8 and self.size % 8 == 0,
            "size",
            "a multiple of 8 (the U-Net halves it three times)",
            self.size,
        )
        _check(self.every >= 1, "every", "1 or more", self.every)
        _check(
            self.fields in FIELDS_CHOICES,
            "fields",
            f"one of {', '.join(FIELDS_CHOICES)}",
            self.fields,
        )
        object.__setattr__(self, "fps", frame_rate(self.fps))
        _check(self.fps > 0, "fps", "above 0", self.fps)


@dataclass(frozen=True)
class TrainSettings:
    """How ``filmcolor train`` trains; stored in metrics.json and in the checkpoint."""

    arch: str = option(
        "unet-bins",
        "the network's head: " + _either([f"{name} ({h.help})" for name, h in HEADS.items()]),
        choices=ARCHITECTURES,
    )
    size: int | None = option(
        None,
        "frame side to train at (default: the aligned dataset's; another size resizes the pairs)",
        parse=int,
    )
    unseen: float = option(
        0.0,
        "strength of colour in a scene the model was not trained on (unlike its training frames, "
        "or painted unlike the release's colour of the one it resembles); 0: none, where there "
        "is no evidence; 1: as strong as anywhere (docs/train.md)",
    )
    epochs: int = option(40, "most epochs to train")
    stills_epochs: int = option(
        15, "most epochs to train on stills (an aligned folder of stills; --epochs if fewer)"
    )
    epoch_pairs: int = option(
        1000,
        "training pairs per epoch, drawn afresh each epoch from the whole training split (all of "
        "them when it has fewer): a film of any length trains in a bounded time",
    )
    val_pairs: int = option(
        500, "validation pairs scored each epoch, evenly spaced (all of them when there are fewer)"
    )
    batch_size: int = option(32, "pairs per batch")
    lr: float = option(2e-3, "peak learning rate of the one-cycle schedule")
    weight_decay: float = option(0.05, "AdamW weight decay")
    split: tuple[float, float, float] = option(
        (0.8, 0.1, 0.1), "train,val,test fractions, in film order", parse=fractions
    )
    snap: bool = option(
        True, "split at the plain fractions, not at the nearest shot cuts", flag="--no-snap"
    )
    augment: bool = option(
        True, "no random mirroring (nor --exposure changes) of training pairs", flag="--no-augment"
    )
    exposure: float = option(
        0.0,
        "random exposure gain of training pairs, up to 1+E or down to 1/(1+E) (0: off; with "
        "augmentation only)",
    )
    mixup: float = option(0.0, "mixup strength (Beta(a, a) blends of two pairs) (0: off)")
    ema: bool = option(False, "validate and save a moving average of the weights", flag="--ema")
    patience: int = option(
        10, "stop after this many epochs without a lower validation colour error"
    )
    seed: int = option(0, "random seed, for a repeatable run")
    accelerator: str = option("auto", "cpu, gpu, mps or auto (Lightning's choice)")
    devices: str | int = option(
        "auto", "how many devices (e.g. 2 GPUs train with DDP), or auto", parse=devices
    )
    num_nodes: int = option(
        1,
        "machines training together with DDP, each started with the same command and -o on shared "
        "storage (torchrun or SLURM sets the ranks: docs/train.md)",
    )
    workers: int | None = option(
        None,
        "processes preparing batches (default: none on the CPU, where they would take the cores "
        "training needs; 4 on a GPU)",
        parse=int,
    )
    precision: str | None = option(
        None,
        "e.g. 32-true, bf16-mixed, 16-mixed (default: bf16-mixed on GPUs that have it, else "
        "32-true)",
        parse=str,
    )

    def __post_init__(self):
        _check(
            self.arch in ARCHITECTURES,
            "arch",
            f"one of {', '.join(ARCHITECTURES)}",
            repr(self.arch),
        )
        _check(
            self.size is None or (self.size >= 8 and self.size % 8 == 0),
            "size",
            "a multiple of 8",
            self.size,
        )
        for name in (
            "epochs",
            "stills_epochs",
            "batch_size",
            "patience",
            "epoch_pairs",
            "val_pairs",
            "num_nodes",
        ):
            _check(getattr(self, name) >= 1, name, "1 or more", getattr(self, name))
        _check(self.lr > 0, "lr", "above 0", self.lr)
        _check(0 <= self.unseen <= 1, "unseen", "between 0 and 1", self.unseen)
        for name in ("weight_decay", "exposure", "mixup"):
            _check(getattr(self, name) >= 0, name, "0 or more", getattr(self, name))
        object.__setattr__(self, "split", tuple(float(x) for x in self.split))
        _check(
            len(self.split) == 3 and min(self.split) > 0,
            "split",
            "three positive fractions",
            self.split,
        )


def _strength() -> Any:
    return option(
        None,
        "how much of the predicted colour to show (0: none; 1.5: half again as much)",
        parse=float,
    )


def _check_strength(strength: float | None) -> None:
    _check(strength is None or 0 <= strength <= 4, "strength", "between 0 and 4", strength)


@dataclass(frozen=True)
class RenderSettings:
    """How ``filmcolor render`` colours and encodes a film."""

    strength: float | None = _strength()
    device: str = option("auto", "cpu, cuda, cuda:1, ... (auto: a GPU when there is one)")
    batch_size: int = option(16, "frames per inference batch")
    smooth: float = option(2.0, "temporal smoothing of colour within shots, in frames (0: off)")
    crf: int = option(18, "encoder quality of H.264, H.265, ... (lower is better and larger)")
    preset: str = option("medium", "encoder speed/size preset (ultrafast ... veryslow)")
    codec: str | None = option(
        None,
        "encoder, instead of the one the output's name calls for (-o lists them)",
        parse=str,
    )
    pix_fmt: str | None = option(
        None,
        "pixel format written, e.g. yuv444p10le (ProRes 4444) or yuv420p10le (default: the "
        "encoder's for the source's depth); one the encoder does not write is refused",
        parse=str,
    )
    timecode: str | None = option(
        None,
        "timecode of the first frame, HH:MM:SS:FF (default: the source's, if it has one)",
        parse=str,
    )
    input_fps: Fraction | None = _input_fps()
    start: float | None = option(None, "render an excerpt starting here (seconds)", parse=float)
    duration: float | None = option(None, "length of the excerpt (seconds)", parse=float)
    side_by_side: bool = option(False, "write B&W | colour side by side, for comparison")
    segment: float = option(
        60.0,
        "render in pieces of about this many seconds, cut at shots: run again, the same command "
        "renders only the shots unfinished or changed",
    )
    jobs: int = option(
        1, "pieces rendered at once, each in a process of its own (the cores or GPUs shared)"
    )
    only: str | None = option(
        None,
        "write these shots alone, e.g. 12,14-16 (a preview of them, without sound)",
        parse=str,
    )

    def __post_init__(self):
        _check_input_fps(self)
        _check_strength(self.strength)
        _check(self.segment >= 1, "segment", "1 second or more", self.segment)
        _check(self.jobs >= 1, "jobs", "1 or more", self.jobs)
        _check(self.batch_size >= 1, "batch_size", "1 or more", self.batch_size)
        _check(self.smooth >= 0, "smooth", "0 or more", self.smooth)
        _check(self.start is None or self.start >= 0, "start", "0 or more", self.start)
        _check(self.duration is None or self.duration > 0, "duration", "above 0", self.duration)


SPLIT_CHOICES = ("train", "val", "test", "all")


@dataclass(frozen=True)
class EvaluateSettings:
    """What ``filmcolor evaluate`` scores a model on."""

    split: str = option(
        "test", "which pairs to score: train, val, test or all", choices=SPLIT_CHOICES
    )
    strength: float | None = _strength()
    input_fps: Fraction | None = _input_fps()

    def __post_init__(self):
        _check_input_fps(self)
        _check(
            self.split in SPLIT_CHOICES,
            "split",
            f"one of {', '.join(SPLIT_CHOICES)}",
            repr(self.split),
        )
        _check_strength(self.strength)


def flag(f: dataclasses.Field) -> str:
    """The command-line flag of a settings field."""
    return f.metadata.get("flag") or "--" + f.name.replace("_", "-")
