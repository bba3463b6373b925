"""``OUT_shots.toml`` as a render writes it: every shot with the decisions in force, to edit and
pass back with ``render --shots`` (``shots`` reads it).

Written with tomlkit, so that any still's path or other value is valid TOML, and so that a file the
render was given comes back as its user wrote it: their comments (at the top, in a table, after a
value, above a table), their ranges of frames and their values as they spelt them are kept; the
shots' tables are brought up to date (frames, colour, strength, the figure registration found) and
the film's other shots put in among them, in order.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import Comment, Key, KeyType, SingleKey, Table, Whitespace

from .shots import Decision

log = logging.getLogger("filmcolor")

HEADER = (
    "Decisions per shot for filmcolor render --shots (docs/render.md#the-review-loop).",
    "Shots as the review page numbers them; frames are the rendered film's, last included",
    "(a shot's frames say which frames it is, for a render without the colour release).",
    'colour: "release" (its own colour where it has the frame, the model\'s elsewhere),',
    '  "model" (the model\'s alone) or "grey"; strength: how much of it to show (0 to 4).',
    "shift = [right, down]: the release placed by hand, pixels (the page's shift figure).",
    'still = "picture.jpg": a frame of the shot coloured, carried through it (path from here).',
    'A range of frames: [frames."480-531"] with colour and strength.',
)
_TIMECODES = re.compile(r"# [\d:]+ - [\d:]+")  # a shot's header comment, as written here
_FOUND = re.compile(r"# shift = \[.*\]  # found by registration")


def shots_text(rows: list[dict], decisions, header: str, folder: Path) -> str:
    """``OUT_shots.toml`` (in ``folder``): every shot (the review's ``rows``) with the
    ``decisions`` in force; what a file did not set, as its default. When the decisions come from
    a TOML file, the user's text is kept; one this cannot keep (its shots as inline tables, say)
    is written anew, without its comments."""
    file = decisions.file
    if file is not None and file.toml is not None:
        try:
            theirs = _Theirs(tomlkit.parse(file.toml))
            text = tomlkit.dumps(_document(rows, decisions, header, folder, theirs))
            got = tomllib.loads(text)
            shots = {str(r["shot"]): _values(r, decisions, folder) for r in rows}
            rest = {k: v for k, v in tomllib.loads(file.toml).items() if k != "shots"}
            if got.pop("shots", None) == shots and got == rest:
                return text
        except (TOMLKitError, tomllib.TOMLDecodeError):
            pass
        log.warning("%s: its comments are not kept in the shots file this render writes", file.path)
    doc = _document(rows, decisions, header, folder, _Theirs(tomlkit.document()))
    if decisions.ranges:
        frames = _append(doc, "frames", tomlkit.table(is_super_table=True))
        for first, last, d in decisions.ranges:
            _below(frames, [])
            _append(frames, SingleKey(f"{first}-{last}", KeyType.Basic), _range(d))
    return tomlkit.dumps(doc)


def _document(rows, decisions, header: str, folder: Path, theirs: _Theirs) -> tomlkit.TOMLDocument:
    """The header, the user's own top, a table per shot (the user's brought up to date, or a new
    one), the user's other tables, the user's last comments."""
    doc = tomlkit.document()
    for line in (header, *HEADER):
        doc.add(tomlkit.comment(line))
    if theirs.top:
        doc.add(tomlkit.nl())
    for key, item in theirs.top:
        doc.add(item) if key is None else doc.append(key, item)
    shots, last = tomlkit.table(is_super_table=True), doc
    for row in rows:
        above, their = theirs.shots.pop(row["shot"], ([], None))
        _below(last, above)
        table = _shot(row, _values(row, decisions, folder), their)
        last = _append(shots, str(row["shot"]), table)
    _append(doc, "shots", shots)
    supers: dict[str, Table] = {}
    for name, key, above, table in theirs.tables:
        _below(last, above)
        if name is None:
            last = _append(doc, key, table)
            continue
        if name not in supers:
            supers[name] = _append(doc, name, tomlkit.table(is_super_table=True))
        last = _append(supers[name], key, table)
    if theirs.tail:
        _below(last, theirs.tail)
    return doc


def _values(row: dict, decisions, folder: Path) -> dict:
    """The values a shot's table gives: the decisions in force for the shot (``row``)."""
    d = decisions.shots.get(row["shot"], Decision())
    values = {
        "frames": [row["first"], row["last"]],
        "colour": d.colour or row["default_colour"],
        "strength": _number(1.0 if d.strength is None else d.strength),
    }
    if d.shift is not None:
        values["shift"] = [_number(v) for v in d.shift]
    if d.still is not None:
        values["still"] = _relative(d.still, folder)
    return values


def _shot(row: dict, values: dict, theirs: Table | None) -> Table:
    """A shot's table giving ``values``: the user's table (``theirs``, its values and comments
    where they were, the keys it lacks first) or a new one."""
    t = tomlkit.table()
    if theirs is not None:
        t.trivia.comment_ws, t.trivia.comment = theirs.trivia.comment_ws, theirs.trivia.comment
    if not t.trivia.comment or _TIMECODES.fullmatch(t.trivia.comment):
        t.comment(f"{row['start']} - {row['end']}")
        t.trivia.comment_ws = "  "
    pairs = [] if theirs is None else theirs.value.body
    have = {key.key for key, _ in pairs if key is not None}
    for key in ("frames", "colour", "strength"):
        if key not in have:
            t.add(key, values[key])
    for key, item in pairs:
        t.add(item) if key is None else t.append(key, item)
    for key, value in values.items():
        if key in have and t[key] != value:  # as the user wrote it where it already says so
            t[key] = value
        elif key not in have and key not in ("frames", "colour", "strength"):
            t.add(key, value)
    if "shift" not in values and row.get("shift_px") is not None:
        x, y = row["shift_px"]
        t.add(tomlkit.comment(f"shift = [{x:.2f}, {y:.2f}]  # found by registration"))
    return t


def _range(d: Decision) -> Table:
    t = tomlkit.table()
    if d.colour is not None:
        t.add("colour", d.colour)
    if d.strength is not None:
        t.add("strength", _number(d.strength))
    return t


def _number(value: float) -> int | float:
    """A number written as briefly as it reads back: 1, not 1.0."""
    return int(value) if float(value).is_integer() else value


def _relative(still: Path, folder: Path) -> str:
    try:
        return os.path.relpath(still.resolve(), folder.resolve())
    except ValueError:  # another drive
        return str(still.resolve())


def _below(container, comments: list) -> None:
    """A blank line and ``comments`` at the end of ``container``: above the table added next."""
    container.add(tomlkit.nl())
    for item in comments:
        container.add(item)


def _append(container, key: str | Key, table: Table) -> Table:
    """``table`` added to ``container`` right after what is there (tomlkit would start it with a
    blank line after a comment)."""
    container.append(key, table)
    table.trivia.indent = ""
    return table


class _Theirs:
    """A user's shots file taken apart to be written back: what is at its top (less the header
    written here), its shots' tables by number and its other tables, each with the comments just
    above it (after a blank line; tomlkit puts them at the end of the table before), and the
    comments after its last table. Blank lines at the ends are left out: ``_below`` writes them."""

    def __init__(self, doc: tomlkit.TOMLDocument):
        top: list = []
        tables: list = []  # (name of the table above or None, key, table), in the file's order
        for key, item in doc.body:
            if not isinstance(item, Table):
                if key is None or key.key != "shots":  # shots as inline tables are written anew
                    top.append((key, item))
            elif item.is_super_table() or key.key == "shots":
                tables += [(key.key, k, t) for k, t in item.value.body if isinstance(t, Table)]
            else:
                tables.append((None, key, item))
        self.top, above = _split(_without_header(top))
        if not tables and above:  # no table for them to be above
            self.top, above = [*self.top, (None, tomlkit.nl()), *above], []
        self.shots: dict[int, tuple[list, Table]] = {}
        self.tables: list[tuple[str | None, Key, list, Table]] = []
        for name, key, table in tables:
            own, below = _split(table.value.body)
            if name == "shots":  # less the figure registration found for the render before
                own = [_spelt(k, i) for k, i in own if k or not _FOUND.fullmatch(_text(i))]
                self.shots[int(key.key)] = (_items(above), _copy(table, own))
            else:
                self.tables.append((name, key, _items(above), _copy(table, own)))
            above = below
        self.tail = _items(above)


def _split(body: list) -> tuple[list, list]:
    """A table's ``(key, item)`` pairs, less its blank lines at the end and the comments after its
    last blank line (those above the next table), and those comments."""
    end = len(body)
    while end and body[end - 1][0] is None and isinstance(body[end - 1][1], Whitespace):
        end -= 1
    start = end
    while start and body[start - 1][0] is None and isinstance(body[start - 1][1], Comment):
        start -= 1
    if 0 < start < end and isinstance(body[start - 1][1], Whitespace):
        return body[: start - 1], body[start:end]
    return body[:end], []


def _without_header(top: list) -> list:
    """The top of a file less the header written here (wherever the user left it: its first line
    names the films) and the blank lines it leaves at the start."""
    ours, texts = [f"# {line}" for line in HEADER], [_text(i) for _, i in top]
    at = next((k for k in range(1, len(top)) if texts[k : k + len(ours)] == ours), None)
    if at is not None:
        top = top[: at - 1] + top[at + len(ours) :]
    while top and isinstance(top[0][1], Whitespace):
        top = top[1:]
    return top


def _spelt(key: Key | None, item) -> tuple:
    """``color`` written ``colour``, as the other keys are; its value and comment kept."""
    return (SingleKey("colour"), item) if key is not None and key.key == "color" else (key, item)


def _copy(table: Table, pairs: list) -> Table:
    """A table of ``pairs`` under ``table``'s header comment."""
    t = tomlkit.table()
    t.trivia.comment_ws, t.trivia.comment = table.trivia.comment_ws, table.trivia.comment
    for key, item in pairs:
        t.add(item) if key is None else t.append(key, item)
    return t


def _text(item) -> str:
    return item.as_string().strip()


def _items(pairs: list) -> list:
    return [item for _, item in pairs]
