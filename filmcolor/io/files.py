"""Output that appears whole or not at all: write under a temporary name, rename when done."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import FilmcolorError


def check_new_output(path: Path, overwrite: bool, what: str = "output") -> None:
    """Refuse to replace an existing output unless asked, before any work is done."""
    if path.exists() and not overwrite:
        raise FilmcolorError(f"{path}: {what} already exists; pass --overwrite to replace it")
    if not path.parent.exists():
        raise FilmcolorError(f"{path}: the folder {path.parent} does not exist")


@contextmanager
def atomic_dir(path: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield an empty temporary folder that replaces ``path`` only if the block succeeds."""
    path = Path(path)
    check_new_output(path, overwrite)
    tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = path.with_name(f".{path.name}.old-{os.getpid()}")
    if path.exists():
        path.rename(old)
    tmp.rename(path)
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def atomic_file(path: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path (same suffix, same folder) that becomes ``path`` only on success."""
    path = Path(path)
    check_new_output(path, overwrite)
    tmp = path.with_name(f".{path.stem}.partial-{os.getpid()}{path.suffix}")
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
