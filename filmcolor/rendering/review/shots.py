"""Decisions per shot: the file ``render --shots FILE`` reads, and what render does with them.

A restorer reads the review page (``review``), then says for a shot, or a range of frames, where
its colour comes from and how strong it is. The file is TOML (or JSON, by its suffix or its first
character); every render writes ``OUT_shots.toml`` (``shots_toml``), listing each shot with the
decisions in force, to edit and pass back:

    [shots.12]
    colour = "grey"            # release (its own colour where it has the frame), model or grey

    [shots.13]
    colour = "model"
    strength = 0.5             # how much of that colour to show (0 to 4)

    [shots.14]
    still = "stills/14.jpg"    # this frame of the shot, coloured: carried through the shot
    shift = [1.5, -2.0]        # the release placed by hand: pixels right, down (the page's figure)

    [frames."480-531"]         # the rendered film's frames, last included: colour and strength
    colour = "grey"

Shots are numbered as the review page numbers them, frames as the rendered film's. A key, shot or
value that is not understood stops the render before it starts, in one line naming the file's
line. JSON spells the same: ``{"shots": {"12": {"colour": "grey"}}, "frames": {"480-531": ...}}``.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import FilmcolorError

COLOURS = ("release", "model", "grey")
SHOT_KEYS = ("colour", "strength", "shift", "still", "frames")
RANGE_KEYS = ("colour", "strength")
_ALIASES = {"color": "colour"}


@dataclass(frozen=True)
class Decision:
    """What the file says for a shot or a range of frames (None: the default) and on which line."""

    colour: str | None = None
    strength: float | None = None
    shift: tuple[float, float] | None = None  # full-resolution pixels, right and down
    still: Path | None = None
    frames: tuple[int, int] | None = None  # the shot's first and last frame, as a review gave them
    line: int = 0

    def changes(self, default_colour: str) -> dict:
        """What this decision changes from the defaults (a shot's colour is ``default_colour``)."""
        out = {}
        if self.colour is not None and self.colour != default_colour:
            out["colour"] = self.colour
        if self.strength not in (None, 1.0):
            out["strength"] = self.strength
        if self.shift is not None:
            out["shift"] = list(self.shift)
        if self.still is not None:
            out["still"] = str(self.still)
        return out


@dataclass
class ShotsFile:
    """A parsed shots file: decisions per shot and per range of frames (first, last, decision)."""

    path: Path
    toml: str | None = None  # the file's text when it is TOML, to write it back with its comments
    shots: dict[int, Decision] = field(default_factory=dict)
    ranges: list[tuple[int, int, Decision]] = field(default_factory=list)

    def error(self, line: int, message: str) -> FilmcolorError:
        return FilmcolorError(f"{self.path}:{line}: {message}")


def read_shots(path: str | Path) -> ShotsFile:
    """Read and check a shots file (TOML or JSON); a mistake is a FilmcolorError naming its line."""
    path = Path(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise FilmcolorError(f"{path}: cannot be read as a shots file ({e})") from None
    is_json = path.suffix.lower() == ".json" or (
        path.suffix.lower() != ".toml" and text.lstrip().startswith("{")
    )
    try:
        data = json.loads(text) if is_json else tomllib.loads(text)
    except json.JSONDecodeError as e:
        raise FilmcolorError(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from None
    except tomllib.TOMLDecodeError as e:
        found = re.search(r"\(at line (\d+)", str(e))
        why = re.sub(r"\s*\(at line.*\)$", "", str(e))
        raise FilmcolorError(
            f"{path}:{found.group(1) if found else 1}: not valid TOML ({why})"
        ) from None
    if not isinstance(data, dict):
        raise FilmcolorError(f"{path}:1: expected a table of shots and frames")
    where = _JSONLines(text) if is_json else _TOMLLines(text)
    out = ShotsFile(path, None if is_json else text)
    for key, value in data.items():
        if key not in ("shots", "frames") or not isinstance(value, dict):
            raise out.error(
                where.line(key),
                f'unknown entry {key!r}: a shots file holds [shots.N] and [frames."A-B"] tables',
            )
    for name, entry in data.get("shots", {}).items():
        line = where.line("shots", name)
        if not re.fullmatch(r"\d+", str(name)):
            raise out.error(line, f"[shots.{name}]: a shot is named by its number, e.g. [shots.12]")
        out.shots[int(name)] = _decision(out, where, ("shots", name), entry, SHOT_KEYS)
    for name, entry in data.get("frames", {}).items():
        line = where.line("frames", name)
        found = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", str(name))
        if not found or int(found.group(2) or found.group(1)) < int(found.group(1)):
            raise out.error(line, f'[frames."{name}"]: expected a range of frames like "480-531"')
        first, last = int(found.group(1)), int(found.group(2) or found.group(1))
        for a, b, other in out.ranges:
            if first <= b and a <= last:
                raise out.error(line, f"frames {first}-{last} overlap {a}-{b} (line {other.line})")
        out.ranges.append((first, last, _decision(out, where, ("frames", name), entry, RANGE_KEYS)))
    return out


def _decision(out: ShotsFile, where, table: tuple[str, str], entry, keys: tuple) -> Decision:
    title = f"[{table[0]}.{table[1]}]"
    if not isinstance(entry, dict):
        raise out.error(where.line(*table), f"{title} must be a table of settings")
    values: dict = {}
    for key, value in entry.items():
        line = where.line(*table, key)
        name = _ALIASES.get(key, key)
        if name not in keys:
            what = "a range of frames" if table[0] == "frames" else "a shot"
            raise out.error(line, f"unknown key {key!r} in {title}; {what} takes {', '.join(keys)}")
        values[name] = _value(out, line, title, name, value)
    return Decision(**values, line=where.line(*table))


def _value(out: ShotsFile, line: int, title: str, key: str, value):
    def number(v) -> bool:
        return isinstance(v, int | float) and not isinstance(v, bool)

    if key == "colour":
        if value not in COLOURS:
            raise out.error(line, f"{title} colour = {value!r}: one of {', '.join(COLOURS)}")
        return value
    if key == "strength":
        if not number(value) or not 0 <= value <= 4:
            raise out.error(line, f"{title} strength = {value!r}: a number from 0 to 4")
        return float(value)
    if key == "shift":
        if not isinstance(value, list) or len(value) != 2 or not all(map(number, value)):
            raise out.error(line, f"{title} shift = {value!r}: two numbers, [right, down] pixels")
        return (float(value[0]), float(value[1]))
    if key == "frames":
        if not (isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value)):
            raise out.error(line, f"{title} frames = {value!r}: [first, last] frame numbers")
        if not 0 <= value[0] <= value[1]:
            raise out.error(line, f"{title} frames = {value!r}: the first is past the last")
        return (value[0], value[1])
    if not isinstance(value, str) or not value:
        raise out.error(line, f"{title} still = {value!r}: the path of a picture")
    still = Path(value) if os.path.isabs(value) else out.path.parent / value
    if not still.is_file():
        raise out.error(line, f"{title} still = {value!r}: no such picture ({still})")
    return still


class _TOMLLines:
    """The line each table and key of a TOML text is on (tomllib does not say)."""

    _HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
    _KEY = re.compile(r"^\s*([^=#\[]+?)\s*=")

    def __init__(self, text: str):
        self.lines: dict[tuple, int] = {}
        table: tuple = ()
        for n, line in enumerate(text.splitlines(), 1):
            if header := self._HEADER.match(line):
                table = _parts(header.group(1))
                self.lines.setdefault(table, n)
            elif key := self._KEY.match(line):
                path = table + _parts(key.group(1))
                for i in range(len(table) + 1, len(path) + 1):
                    self.lines.setdefault(path[:i], n)

    def line(self, *path: str) -> int:
        for i in range(len(path), 0, -1):
            if (found := self.lines.get(tuple(str(p) for p in path[:i]))) is not None:
                return found
        return 1


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(p.strip().strip("\"'") for p in re.findall(r'"[^"]*"|\'[^\']*\'|[^.]+', dotted))


class _JSONLines:
    """The line of each object key of a JSON text: the first line naming it after its parent's."""

    def __init__(self, text: str):
        self.text = text.splitlines()

    def line(self, *path: str) -> int:
        start = 0
        for name in path:
            pattern = re.compile(r'"' + re.escape(str(name)) + r'"\s*:')
            found = next(
                (i for i in range(start, len(self.text)) if pattern.search(self.text[i])), None
            )
            if found is None:
                break
            start = found
        return start + 1
