"""How video files' frames are made of fields, as ``filmcolor align`` measures it, and the chain
that decodes them.

    python -m pipelines.tools.fields FILE [FILE ...]

Prints, per file, the kind (progressive, soft or hard telecine, field-shifted, interlaced, mixed),
the field order measured and flagged, how many one-second windows said each kind, the decoding
chain and YCbCr matrix ``filmcolor align`` would use, and the CPU seconds the measurement took.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from filmcolor.alignment.fields import release_decoding
from filmcolor.io.video import probe
from filmcolor.settings import FIELDS_CHOICES


def _cpu() -> float:
    own, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("files", type=Path, nargs="+")
    ap.add_argument(
        "--fields", default="auto", choices=FIELDS_CHOICES, help="as filmcolor align's --fields"
    )
    args = ap.parse_args(argv)
    print("| file | kind | order measured / flagged | windows | chain | matrix | CPU s |")
    print("|---|---|---|---|---|---|---|")
    for path in args.files:
        cpu, wall = _cpu(), time.perf_counter()
        structure, decoding = release_decoding(probe(path), args.fields)
        cpu, wall = _cpu() - cpu, time.perf_counter() - wall
        order = f"{structure.order or '-'} / {structure.flagged or '-'}"
        if structure.misflagged:
            order += " (mis-flagged)"
        windows = ", ".join(f"{k} {n}" for k, n in structure.windows.items())
        print(
            f"| {path.parent.name}/{path.name} | {structure.kind} | {order} | {windows} | "
            f"`{decoding.describe()}` | {decoding.matrix} | {cpu:.1f} ({wall:.1f} wall) |"
        )


if __name__ == "__main__":
    main()
