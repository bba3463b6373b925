"""What ``filmcolor align`` measures on the real cases, next to what is known (issue 34).

    python -m pipelines.scores.real CASES [--pairs PAIR ...] [-o ALIGNED] [--only NAME ...]

Runs ``filmcolor align`` on every case folder of CASES (``pipelines.cases.real`` built them: a B&W
scan, the colour release, truth.json) and on any ``--pairs`` (../shared/data pairs, e.g.
davis-dvd), each into ALIGNED/NAME, and prints per case what align recorded (manifest.json,
pairs.csv, overlay.npz) against truth.json: the colour release's field kind per stretch (and the
one-second windows' votes), each release's overlay (its box, and its mask as a % of the true
picture), each picture's box, the B&W cuts (found within a frame of a known one, and extra ones),
and the pairs' precision and coverage (``pipelines.scores.alignment``). A case align refuses shows
its one-line error. Ends with a table of all cases, and writes ALIGNED/results.json.
``--fields KIND`` passes align's override (to tell the measurement from the decoding);
``--reuse`` reads aligned folders already there instead of aligning again.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from pipelines.scores.alignment import score

VIDEO = (".mkv", ".mp4", ".mov", ".mxf", ".mpg", ".ts", ".avi")


def inputs(case: Path) -> tuple[Path, Path]:
    """The case's B&W scan (a frame folder or a video) and colour release."""
    videos = [p for p in sorted(case.glob("bw*")) if p.is_dir() or p.suffix in VIDEO]
    return videos[0], next(p for p in sorted(case.glob("color.*")))


def known_of(case: Path, truth: dict) -> dict:
    """truth.json's ``known``; for a pair of ../shared/data (no ``known``), what its geometry and
    shots say (cuts: where the shot of the B&W frame's source frame changes)."""
    if "known" in truth:
        return truth["known"]
    geo = truth.get("geometry", {})
    logo = geo.get("color", {}).get("logo")
    if isinstance(logo, str):
        logo = [int(v) for v in logo.split(",")[:4]]
    frames_root = case.parent / "frames"
    ends, total = [], 0
    for shot in truth.get("shots", []):
        name, a, b = re.fullmatch(r"(.+)\[(\d*):(\d*)\]", shot).groups()
        n = len(list((frames_root / name).glob("*"))) if frames_root.is_dir() else 0
        total += (int(b) if b else n) - int(a or 0)
        ends.append(total)
    src = np.array(truth["bw"]["frames"])
    shot = np.where(src >= 0, np.searchsorted(ends, src, side="right"), -1)
    cuts = [int(k) for k in np.flatnonzero(np.diff(shot) != 0) + 1]  # black leaders too
    kind = "telecine" if "telecined" in str(truth["color"].get("fps", "")) else None
    return {
        "fields": [[0.0, None, kind]] if kind else None,
        "overlay": {"color": logo, "bw": None},
        "picture": {"bw": geo.get("bw", {}).get("picture"), "color": None},
        "cuts_bw": cuts if ends and ends[-1] else None,
        "align": [],
    }


def run_align(case: Path, out: Path, known: dict, fields: str | None, reuse: bool) -> dict:
    """``filmcolor align`` on the case into ``out``: its seconds, its log's last line on failure."""
    if reuse and (out / "manifest.json").exists():
        return {"seconds": None, "error": None}
    bw, colour = inputs(case)
    cmd = [sys.executable, "-m", "filmcolor.cli", "-v", "align", str(bw), str(colour), "-o",
           str(out), "--overwrite", *known.get("align", [])]  # fmt: skip
    cmd += ["--fields", fields] if fields else []
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=os.environ | {"PYTHONPATH": "."})
    (out.parent / f"{out.name}.log").write_text(p.stderr)
    error = None if p.returncode == 0 else (p.stderr.strip().splitlines() or ["?"])[-1]
    return {"seconds": round(time.perf_counter() - t, 1), "error": error}


def frac_box(box, size) -> tuple[float, float, float, float]:
    x, y, w, h = box
    return x / size[0], y / size[1], (x + w) / size[0], (y + h) / size[1]


def overlay_share(mask: np.ndarray, picture: list, size: list) -> float:
    """The share of the picture (x, y, w, h in pixels of a frame of ``size``) a mask over the
    whole frame covers."""
    s = mask.shape[0]
    x0, y0, x1, y1 = (round(v * s) for v in frac_box(picture, size))
    inside = mask[y0:y1, x0:x1]
    return float(inside.mean()) if inside.size else 0.0


def measured(aligned: Path, truth: dict, known: dict) -> dict:
    """What align recorded, next to the truth, as numbers."""
    m = json.loads((aligned / "manifest.json").read_text())
    f = m["color_fields"]
    mixed = f["kind"] == "mixed" and f.get("stretches")  # a --fields override keeps them
    stretches = f["stretches"] if mixed else [[0.0, None, f["kind"]]]
    out = {
        "fields": [[round(a, 2), None if b is None else round(b, 2), k] for a, b, k in stretches],
        "order": f.get("order"),
        "chosen": f.get("chosen"),
        "windows": f.get("windows"),
        "chain": m["color_decoding"].get("filters"),
        "picture": m["picture_area"],
        "crop": m["crop"],
        "bw_cuts": m["bw_cuts"],
        "speed_ratio": round(m["speed_ratio"], 4),
        "frame_ratio": round(m["frame_ratio"], 4),
        "overlays": {},
    }
    masks = np.load(aligned / "overlay.npz") if (aligned / "overlay.npz").exists() else {}
    for rel, key in (("color", "color"), ("bw", "bw")):
        if rel not in m["overlays"]:
            continue
        size = [m["inputs"][rel]["width"], m["inputs"][rel]["height"]]
        pic = (known.get("picture") or {}).get(rel) or m["picture_area"][rel]
        share = overlay_share(masks[key], pic, size) if key in masks else None
        box = m["overlays"][rel]["box"]
        out["overlays"][rel] = {"box": box, "mask_share": share,
                                "box_share": box[2] * box[3] / (pic[2] * pic[3])}  # fmt: skip
    cuts = known.get("cuts_bw")
    if cuts is not None:
        found = [c for c in cuts if any(abs(c - x) <= 1 for x in m["bw_cuts"])]
        extra = [x for x in m["bw_cuts"] if all(abs(c - x) > 1 for c in cuts)]
        out["cuts"] = {"known": cuts, "found": len(found), "missed": sorted(set(cuts) - set(found)),
                       "extra": extra}  # fmt: skip
    with open(aligned / "pairs.csv") as fh:
        rows = list(csv.DictReader(fh))
    out["pairs"] = len(rows)
    if not out["chain"] and rows:  # pairs on frames the release holds (a plain decode), and not
        tb, tc = np.array(truth["bw"]["frames"]), np.array(truth["color"]["frames"])
        b, c = (np.array([int(r[k]) for r in rows]) for k in ("bw_frame", "color_frame"))
        held = np.isin(tb[b], tc[tc >= 0])
        out["held"] = {"pairs": int(held.sum()), "exact": float((tb[b] == tc[c])[held].mean()),
                       "lacking": int((~held).sum())}  # fmt: skip
    return out


def show(name: str, truth: dict, known: dict, run: dict, got: dict | None) -> None:
    print(f"\n== {name}" + (f" (align {run['seconds']} s)" if run.get("seconds") else ""))
    kf = known.get("fields")
    print("  fields    known   :", kf and ", ".join(f"{k} {a}-{b or 'end'} s" for a, b, k in kf),
          known.get("order") or "")  # fmt: skip
    if got is None:
        print("  align failed:", run["error"])
        return
    stretches = ", ".join(f"{k} {a}-{b or 'end'} s" for a, b, k in got["fields"])
    how = "" if got["chosen"] in (None, "measured") else f" (--fields {got['chosen']})"
    print(f"  fields    measured: {stretches} {got['order'] or ''}{how}; windows {got['windows']}")
    print(f"            chain   : {got['chain'] or '(none)'}")
    ko = known.get("overlay") or {}
    for rel in ("color", "bw"):
        o = got["overlays"].get(rel)
        said = (
            "none"
            if o is None
            else (
                f"{o['box']} = {100 * o['box_share']:.1f}% of the picture as a box"
                + (f", mask {100 * o['mask_share']:.1f}%" if o["mask_share"] is not None else "")
            )
        )
        print(f"  overlay   {rel:5}   : {said}; known {ko.get(rel)}")
    for rel in ("bw", "color"):
        kp = (known.get("picture") or {}).get(rel)
        print(f"  picture   {rel:5}   : {got['picture'][rel]}; known {kp}")
    if "cuts" in got:
        c = got["cuts"]
        print(
            f"  cuts (bw)         : {len(got['bw_cuts'])} found {got['bw_cuts']}; known "
            f"{c['known']}: {c['found']} found, missed {c['missed']}, extra {c['extra']}"
        )
    s, h = got.get("score"), got.get("held")
    if h:
        print(
            f"  held              : {h['pairs']} pairs on film frames the release holds, "
            f"{h['exact']:.3f} exact; {h['lacking']} on frames it lacks"
        )
    print(f"  pairs             : {got['pairs']}, speed {got['speed_ratio']}, frame ratio "
          f"{got['frame_ratio']}" + (f"; precision {s['precision']:.3f}, coverage "
          f"{s['coverage']:.3f} of {s['shared_source_frames']}" if s else ""))  # fmt: skip


def row(name: str, known: dict, run: dict, got: dict | None) -> str:
    kf = "/".join(k for *_, k in known.get("fields") or [[None, None, "?"]])
    if got is None:
        return f"| {name} | {kf} | align failed: {run['error'][-90:]} |||||||"
    fields = "/".join(f"{k}" + (f"<{b:g}s" if b else "") for a, b, k in got["fields"])
    ov = " / ".join(
        f"{100 * o['mask_share']:.1f}%" if o and o["mask_share"] is not None else "-"
        for o in (got["overlays"].get("color"), got["overlays"].get("bw"))
    )
    ko = known.get("overlay") or {}
    kov = "logo" if ko.get("color") else "none"
    c = got.get("cuts")
    cuts = f"{c['found']}/{len(c['known'])} +{len(c['extra'])}" if c else "-"
    s = got.get("score") or {}
    p = f"{s['precision']:.3f}" if s else "-"
    cov = f"{s['coverage']:.3f}" if s else "-"
    cells = [name, kf, fields, ov, kov, cuts, got["pairs"], p, cov, run.get("seconds")]
    return "| " + " | ".join(map(str, cells)) + " |"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("cases", type=Path, help="pipelines.cases.real' output folder")
    ap.add_argument("--pairs", type=Path, nargs="*", default=[], help="other pair folders")
    ap.add_argument("-o", "--out", type=Path, default=None, help="aligned folders (CASES/_aligned)")
    ap.add_argument("--only", nargs="*", default=None, help="case names to check")
    ap.add_argument("--fields", default=None, help="align's --fields for every case")
    ap.add_argument("--reuse", action="store_true", help="read aligned folders already there")
    a = ap.parse_args(argv)
    out = a.out or a.cases / ("_aligned" + (f"-{a.fields}" if a.fields else ""))
    out.mkdir(parents=True, exist_ok=True)
    cases = sorted(p.parent for p in a.cases.glob("*/truth.json")) + list(a.pairs)
    results, rows = {}, []
    for case in cases:
        if a.only and case.name not in a.only:
            continue
        truth = json.loads((case / "truth.json").read_text())
        known = known_of(case, truth)
        run = run_align(case, out / case.name, known, a.fields, a.reuse)
        got = None
        if run["error"] is None:
            got = measured(out / case.name, truth, known)
            try:
                got["score"] = score(case, out / case.name)
            except (Exception, SystemExit) as e:  # a release the scorer cannot decode
                got["score"] = None
                print(f"  ({case.name}: not scored: {e})")
        show(case.name, truth, known, run, got)
        results[case.name] = {"known": known, "run": run, "measured": got}
        rows.append(row(case.name, known, run, got))
    print(
        "\n| case | fields known | measured | overlay % colour / bw | known overlay | cuts "
        "found/known +extra | pairs | precision | coverage | align s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    (out / "results.json").write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
