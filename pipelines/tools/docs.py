"""Rewrite the option tables in docs/ from the command line itself (which is built from the
settings).

    python -m pipelines.tools.docs          # rewrite the tables
    python -m pipelines.tools.docs --check  # exit 1 if any is stale (the suite checks this too)

Each table sits between ``<!-- options: COMMAND -->`` and ``<!-- end options -->`` in
docs/COMMAND.md.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from filmcolor.cli import options_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs"
COMMANDS = ("align", "train", "render", "evaluate")


def _block(command: str) -> re.Pattern:
    return re.compile(rf"(<!-- options: {command} -->\n).*?(<!-- end options -->)", re.S)


def stale() -> list[str]:
    """The commands whose table in docs/ differs from what their parser says."""
    out = []
    for command in COMMANDS:
        page = (DOCS / f"{command}.md").read_text()
        found = _block(command).search(page)
        if (
            not found
            or found.group(0) != f"{found.group(1)}{options_markdown(command)}\n{found.group(2)}"
        ):
            out.append(command)
    return out


def write() -> None:
    for command in COMMANDS:
        path = DOCS / f"{command}.md"
        page = path.read_text()
        table = options_markdown(command)
        new, n = _block(command).subn(lambda m, t=table: f"{m.group(1)}{t}\n{m.group(2)}", page)
        if n != 1:
            sys.exit(f"{path}: no <!-- options: {command} --> ... <!-- end options --> block")
        path.write_text(new)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--check", action="store_true", help="only say which tables are stale")
    if ap.parse_args(argv).check:
        bad = stale()
        if bad:
            print(f"stale option tables in docs/: {', '.join(bad)}; run make docs")
        return 1 if bad else 0
    write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
