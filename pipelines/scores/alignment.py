"""Score an aligned dataset against a pair's ground truth (truth.json, as make_film_pair.py,
pipelines.cases.synthetic and pipelines.cases.long_pair write it).

    python -m pipelines.scores.alignment PAIR_DIR ALIGNED_DIR

Precision: the share of pairs whose two frames show the same source frame. Coverage: the share of
source frames present in both releases that some correct pair shows, leaving out those shown in
truth's ``faint`` frames (the dark end of a fade: pipelines.cases.long_pair); a pair on a faint
frame still counts as correct. Where the B&W release shows source frames more than once (reused
footage), ``reused_coverage`` is the share of those that some correct pair shows.

For a colour release held in fields (truth.json's ``color.fields``: a DVD), a pair's colour frame is
a picture of the decoding chain the manifest names; it is exact when both its fields show the B&W
frame's source frame (a deinterlaced picture: its one kept field), found by
``pipelines.scores.field_truth``; coverage counts every source frame the release shows in some
field, those held only in fields of mixed frames among them (``fields_only``: how many of those a
correct pair shows).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from filmcolor.alignment.folder import AlignedFolder
from pipelines.scores.field_truth import clean_sources, picture_fields


def score(pair: Path, aligned: Path) -> dict:
    truth = json.loads((pair / "truth.json").read_text())
    tb, tc = np.array(truth["bw"]["frames"]), np.array(truth["color"]["frames"])
    faint = {
        int(t[k]) for rel, t in (("bw", tb), ("color", tc)) for k in truth[rel].get("faint", [])
    }
    fields = truth["color"].get("fields")
    manifest = AlignedFolder(aligned).manifest if (aligned / "manifest.json").exists() else None
    if fields:
        path = Path(manifest.inputs["color"]["path"])
        tc = clean_sources(picture_fields(path, manifest.colour_decoding, fields))
    holes = list(manifest.colour_decoding.holes) if manifest else []
    if holes:  # a variable-rate release's pictures are slots of its grid, holes showing nothing
        if len(tc) + len(holes) == manifest.colour_pictures:
            slots = np.full(len(tc) + len(holes), -1)
            slots[np.setdiff1d(np.arange(len(slots)), holes)] = tc
            tc = slots
        tc = np.array(tc)
        tc[holes] = -1
    with open(aligned / "pairs.csv") as f:
        rows = list(csv.DictReader(f))
    b = np.array([int(r["bw_frame"]) for r in rows])
    c = np.array([int(r["color_frame"]) for r in rows])
    correct = (tb[b] == tc[c]) & (tb[b] >= 0)
    shown = truth["color"].get("source_frames") or tc[tc >= 0].tolist()
    shared = set(tb[tb >= 0].tolist()) & set(shown) - faint
    covered = set(tb[b][correct].tolist()) & shared
    out = {
        "pairs": len(b),
        "precision": float(correct.mean()) if len(b) else 0.0,
        "coverage": len(covered) / max(1, len(shared)),
        "shared_source_frames": len(shared),
    }
    ids, counts = np.unique(tb[tb >= 0], return_counts=True)
    reused = set(ids[counts > 1].tolist()) & shared
    if reused:
        out["reused_source_frames"] = len(reused)
        out["reused_coverage"] = len(covered & reused) / len(reused)
    if fields:
        whole = {t for t, u in fields if t == u}
        only = shared - whole
        out["fields_only"] = len(only)
        out["fields_only_covered"] = len(covered & only)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("pair", type=Path, help="folder with truth.json")
    ap.add_argument("aligned", type=Path, help="folder filmcolor align wrote")
    args = ap.parse_args(argv)
    r = score(args.pair, args.aligned)
    print(
        f"{r['pairs']} pairs: precision {r['precision']:.4f}, coverage {r['coverage']:.4f} "
        f"of {r['shared_source_frames']} shared source frames"
        + (
            f" ({r['fields_only_covered']} of the {r['fields_only']} held only in fields)"
            if "fields_only" in r
            else ""
        )
        + (
            f", {r['reused_coverage']:.4f} of the {r['reused_source_frames']} shown twice"
            if "reused_coverage" in r
            else ""
        )
    )
    print(json.dumps(r))


if __name__ == "__main__":
    main()
