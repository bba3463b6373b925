"""The aligned folder: what ``align`` writes and every later stage reads, with one owner.

    bw.npy         (N, S, S) uint8, the B&W frame of each pair (memory-mapped when read)
    color.npy      (N, S, S, 3) uint8, its colour frame
    pairs.csv      a row per pair: the frame numbers in both films, times, score, shot, segment
    manifest.json  what was aligned and how (``Manifest``)
    overlay.npz    where overlays lie (a logo): ``pairs`` (S, S) the pairs' pixel weights (0 under
                   an overlay), ``color`` and ``bw`` each release's mask over its frame; only when
                   one was found
    stills.npz     where the colour release is stills (``alignment.stills``): each pair again at
                   4S x 4S, ``bw`` and ``color``, which training cuts its views from
    alignment.png, samples.png, release.png   pictures to check it by

``AlignedFolder.write`` writes one (align), ``AlignedFolder.open`` reads one (train, evaluate,
render --aligned); nothing else knows the files' names or the manifest's keys.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import __version__
from ..errors import DatasetError
from ..io.decoding import Decoding
from .fields import FieldStructure
from .kinds import FieldKind
from .offsets import colour_index

COLUMNS = ("pair", "bw_frame", "color_frame", "bw_time", "color_time", "score", "shot", "segment")


def _spelt(data: dict, old: str, new: str) -> dict:
    """``data`` with its keys that start with ``old`` starting with ``new``: the files keep the
    spelling of their names (``color.npy``, ``color_frame``), the code spells colour."""
    return {new + k[len(old) :] if k.startswith(old) else k: v for k, v in data.items()}


@dataclass(frozen=True)
class SegmentRecord:
    """A stretch of B&W frames [bw_start, bw_end) shown by colour frames
    rint(frame_ratio * b + offset), [color_start, color_end)."""

    bw_start: int
    bw_end: int
    colour_start: int
    colour_end: int
    offset: float
    score: float


@dataclass(frozen=True)
class Manifest:
    """What ``align`` found, as ``manifest.json`` keeps it; boxes are x, y, w, h in each release's
    own pixels."""

    inputs: dict  # "bw", "color": VideoInfo.to_json() of each release
    size: int  # side of the square frames
    fps: float  # the rate the B&W timeline was resampled to
    every: int
    settings: dict  # the AlignSettings, as JSON
    pairs: int
    speed_ratio: float  # how much faster the colour release plays the picture
    frame_ratio: float  # colour frames per B&W frame
    segments: tuple[SegmentRecord, ...]
    crop: dict  # "bw", "color": the common picture area
    picture_area: dict  # "bw", "color": the picture inside any bars
    bw_cuts: tuple[int, ...]  # first B&W frame of each shot after the first
    coverage_bw: float  # share of the B&W frames matched
    confidence: float  # median similarity of the pairs
    # how the colour release's frames are made of fields, and the decoding that makes its
    # pictures (the chain, the YCbCr matrix): pairs.csv's colour frames are its pictures
    colour_fields: FieldStructure = FieldStructure(FieldKind.PROGRESSIVE, chosen="unknown")
    colour_decoding: Decoding = Decoding()
    colour_pictures: int = 0  # pictures of the colour release through its decoding
    overlays: dict = field(default_factory=dict)  # "bw", "color": Overlay.to_json() where found
    stills: tuple = ()  # where the colour release is stills: each one found, Still.to_json()
    filmcolor_version: str = __version__

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        data["colour_fields"] = self.colour_fields.to_json()
        data["colour_decoding"] = self.colour_decoding.to_json()
        data["segments"] = [_spelt(s, "colour_", "color_") for s in data["segments"]]
        return _spelt(data, "colour_", "color_")

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        data = _spelt(data, "color_", "colour_")
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        values["segments"] = tuple(
            SegmentRecord(**_spelt(s, "color_", "colour_")) for s in data["segments"]
        )
        values["bw_cuts"] = tuple(int(c) for c in data["bw_cuts"])
        values["colour_fields"] = FieldStructure.from_json(data.get("colour_fields"))
        values["colour_decoding"] = Decoding.from_json(data.get("colour_decoding"))
        values["stills"] = tuple(data.get("stills", ()))
        return cls(**values)

    def colour_frames(self, n: int, colour_frames: int | None = None) -> np.ndarray:
        """The colour frame shown with each of the first ``n`` B&W frames, -1 where none (where
        the release lacks it, or, given the colour release's length, where the line runs past its
        end)."""
        out = np.full(n, -1, np.int64)
        for seg in self.segments:
            b = np.arange(seg.bw_start, min(seg.bw_end, n))
            out[b] = colour_index(b, self.frame_ratio, seg.offset)
        if colour_frames is not None:
            out[out >= colour_frames] = -1
        out[np.isin(out, self.colour_decoding.holes)] = -1  # frames a variable-rate file lacks
        return out


class AlignedFolder:
    """An aligned folder's arrays, pair table and manifest (see the module's docstring)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._manifest: Manifest | None = None
        self._views: tuple[np.ndarray, np.ndarray] | None = None
        self.bw = self.colour = None  # memory-mapped arrays, once opened
        self.shots = self.frames = self.colour_frames = np.zeros(0, np.int64)

    # --- writing (align)

    @classmethod
    def write(
        cls, path: str | Path, n: int, size: int, batches: Iterable[tuple[np.ndarray, np.ndarray]]
    ) -> AlignedFolder:
        """A new folder's arrays written from ``batches`` of (bw, color) pairs, in order, through
        plain files: the pages of a memory-mapped output stay counted in the process's memory
        until it ends (4 KB a pair at size 64: over 2 GB for a feature film)."""
        folder = cls(path)
        folder.path.mkdir(parents=True, exist_ok=True)
        shapes = {"bw": (n, size, size), "color": (n, size, size, 3)}
        with open(folder.path / "bw.npy", "wb") as fb, open(folder.path / "color.npy", "wb") as fc:
            files = {"bw": fb, "color": fc}
            for name, f in files.items():
                header = {"descr": "|u1", "fortran_order": False, "shape": shapes[name]}
                np.lib.format.write_array_header_1_0(f, header)
            start = {name: f.tell() for name, f in files.items()}
            for bw, colour in batches:
                fb.write(np.ascontiguousarray(bw, np.uint8).tobytes())
                fc.write(np.ascontiguousarray(colour, np.uint8).tobytes())
            for name, f in files.items():
                if f.tell() - start[name] != int(np.prod(shapes[name])):
                    raise RuntimeError(f"{f.name}: not the {shapes[name]} array it was to hold")
        return folder

    def write_pairs(self, **columns: np.ndarray) -> None:
        """``pairs.csv`` from one array per column (``COLUMNS``; ``pair`` is the row number); times
        in seconds, scores as similarities."""
        n = len(columns["bw_frame"])
        columns = {"pair": np.arange(n), **_spelt(columns, "colour_", "color_")}
        missing = set(COLUMNS) - set(columns)
        if missing:
            raise TypeError(f"pairs.csv needs the columns {', '.join(sorted(missing))}")
        formats = {"bw_time": "{:.4f}", "color_time": "{:.4f}", "score": "{:.4f}"}
        with open(self.path / "pairs.csv", "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(COLUMNS)
            for i in range(n):
                writer.writerow([formats.get(c, "{}").format(columns[c][i]) for c in COLUMNS])
        self.shots = np.asarray(columns["shot"], np.int64)
        self.frames = np.asarray(columns["bw_frame"], np.int64)
        self.colour_frames = np.asarray(columns["color_frame"], np.int64)

    def write_overlays(self, pairs: np.ndarray, masks: dict[str, np.ndarray]) -> None:
        """``overlay.npz``: the pairs' pixel weights (S, S) and each release's overlay mask."""
        np.savez_compressed(self.path / "overlay.npz", pairs=pairs, **masks)

    def overlay(self, name: str = "pairs") -> np.ndarray | None:
        """The pairs' pixel weights (S, S) float32 (0 under an overlay: left out of the loss), or
        a release's overlay mask ("color", "bw"); None where no overlay was found."""
        path = self.path / "overlay.npz"
        if not path.exists():
            return None
        with np.load(path) as data:
            return data[name] if name in data else None

    def write_views(self, bw: np.ndarray, colour: np.ndarray) -> None:
        """``stills.npz``: the stills' pairs at a larger size (n, L, L) and (n, L, L, 3)."""
        np.savez(self.path / "stills.npz", bw=bw, color=colour)

    def views(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The stills' pairs at a larger size (``write_views``), or None: not a stills folder."""
        path = self.path / "stills.npz"
        if self._views is None and path.exists():
            with np.load(path) as data:
                self._views = data["bw"], data["color"]
        return self._views

    def write_manifest(self, manifest: Manifest) -> None:
        (self.path / "manifest.json").write_text(json.dumps(manifest.to_json(), indent=2))
        self._manifest = manifest

    # --- reading (train, evaluate, render)

    @classmethod
    def open(cls, path: str | Path) -> AlignedFolder:
        """An aligned folder, checked to be complete and consistent (DatasetError if not)."""
        folder = cls(path)
        path = folder.path
        if not path.is_dir():
            raise DatasetError(
                f"{path}: no aligned dataset here; run `filmcolor align BW COLOR -o {path}` first"
            )
        for name in ("bw.npy", "color.npy", "pairs.csv"):
            if not (path / name).exists():
                raise DatasetError(
                    f"{path}: {name} is missing; run `filmcolor align` again to rewrite the dataset"
                )
        try:
            bw = np.load(path / "bw.npy", mmap_mode="r")
            colour = np.load(path / "color.npy", mmap_mode="r")
        except (ValueError, OSError) as e:
            raise DatasetError(f"{path}: cannot read its arrays ({e})") from None
        n = len(bw)
        if bw.dtype != np.uint8 or bw.ndim != 3 or bw.shape[1] != bw.shape[2]:
            raise DatasetError(
                f"{path}/bw.npy: expected N x S x S uint8 grey frames, found {bw.shape} {bw.dtype}"
            )
        if colour.dtype != np.uint8 or colour.shape != (n, *bw.shape[1:], 3):
            raise DatasetError(
                f"{path}/color.npy: expected {n} x {bw.shape[1]} x {bw.shape[2]} x 3 uint8, found "
                f"{colour.shape} {colour.dtype}"
            )
        try:
            with open(path / "pairs.csv", newline="") as f:
                rows = [
                    (int(row["shot"]), int(row["bw_frame"]), int(row["color_frame"]))
                    for row in csv.DictReader(f)
                ]
        except (KeyError, ValueError) as e:
            raise DatasetError(
                f"{path}/pairs.csv: malformed ({e}); run `filmcolor align` again"
            ) from None
        if len(rows) != n:
            raise DatasetError(f"{path}: pairs.csv has {len(rows)} rows for {n} frame pairs")
        columns = np.array(rows, np.int64).reshape(-1, 3).T
        folder.bw, folder.colour = bw, colour
        folder.shots, folder.frames, folder.colour_frames = columns
        return folder

    @property
    def manifest(self) -> Manifest:
        """The manifest, read on first use (DatasetError if it is missing or malformed)."""
        if self._manifest is None:
            path = self.path / "manifest.json"
            try:
                self._manifest = Manifest.from_json(json.loads(path.read_text()))
            except (OSError, ValueError, KeyError, TypeError):
                raise DatasetError(
                    f"{self.path}: not a folder written by `filmcolor align` (no readable "
                    f"{path.name}); align the two films again"
                ) from None
        return self._manifest

    @property
    def size(self) -> int:
        return self.bw.shape[1]

    def __len__(self) -> int:
        return len(self.bw)

    def consecutive(self, indices: range) -> np.ndarray:
        """For each neighbouring two pairs of ``indices``: are they consecutive frames of a shot?"""
        i = np.arange(indices.start, indices.stop - 1)
        return (self.shots[i] == self.shots[i + 1]) & (self.frames[i + 1] - self.frames[i] == 1)
