"""How video files' frames are made of fields, as ``filmcolor align`` measures it, and the chain
that decodes them.

    python -m pipelines.tools.fields FILE [FILE ...]
    python -m pipelines.tools.fields --kinds

Prints, per file, the kind (progressive, soft or hard telecine, field-shifted, interlaced, mixed),
the field order measured and flagged, how many one-second windows said each kind, the decoding
chain and YCbCr matrix ``filmcolor align`` would use, and the CPU seconds the measurement took;
with ``--kinds``, the kinds themselves as ``filmcolor.alignment.kinds`` declares them.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from filmcolor.alignment.fields import release_decoding
from filmcolor.alignment.kinds import FIELD_KINDS
from filmcolor.io.video import probe
from filmcolor.settings import FIELDS_CHOICES


def _cpu() -> float:
    own, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def kinds() -> None:
    """The kinds of fields, one row each."""
    print("| kind | field order | cadence | chain (O: the field order) | cycle | --fields | what |")
    print("|---|---|---|---|---|---|---|")
    for kind, spec in FIELD_KINDS.items():
        chain = f"`{spec.filters.format(o='O')}`" if spec.filters else "none"
        if spec.filters is None:
            chain = "each stretch's own kind's"
        if spec.repeats:
            chain += " (after `repeatfields` where soft flags repeat fields)"
        print(
            f"| {kind} | {'measured' if spec.fielded else '-'} | {spec.cadence or '-'} | {chain} "
            f"| {'{} into {}'.format(*spec.cycle) if spec.filters is not None else '-'} "
            f"| {'yes' if spec.told else '-'} "
            f"| {spec.about} |"
        )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("files", type=Path, nargs="*")
    ap.add_argument(
        "--fields", default="auto", choices=FIELDS_CHOICES, help="as filmcolor align's --fields"
    )
    ap.add_argument("--kinds", action="store_true", help="list the kinds of fields")
    args = ap.parse_args(argv)
    if args.kinds:
        return kinds()
    if not args.files:
        ap.error("name a file, or --kinds")
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
