"""The edit of a long pair (``pipelines.cases.long_pair``): which picture every frame of each
release
shows, reel by reel, and the truth that follows.

A reel shows every shot of the source pair through a framing of its own (``draw_variants``), maybe
backwards; each release's edit is a list of runs ``(event, frames)``, an event being
``("pic", framing, source id, gain)``, ``("card", text, background, foreground)`` or
``("black",)``. The random draws come in one fixed order, so a seed makes one film.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np

ID_BASE = 100000  # a picture's id: framing * ID_BASE + the source pair's id
FAINT_GAIN, BLACK_GAIN = 0.25, 0.02  # fades under these are faint, or black (-1)
BLACK = ("black",)


@dataclass
class Cut:
    """How the two releases are cut (``python -m pipelines.cases.long_pair --help`` says each)."""

    minutes: float
    seed: int = 0
    reuse: float = 0.0
    reuse_reversed: bool = False
    replay: bool = False
    setups: int = 1
    regular: int | None = None
    drop_prob: float = 0.5
    shuffle: bool = True


# --- framings -----------------------------------------------------------------------------------


def fits(v: dict, w: int, h: int) -> bool:
    """The rotated crop lies inside the source frame."""
    s, th = v["scale"], math.radians(abs(v["angle"]))
    hx = s * (w / 2 * math.cos(th) + h / 2 * math.sin(th)) / w
    hy = s * (w / 2 * math.sin(th) + h / 2 * math.cos(th)) / h
    return hx <= v["cx"] <= 1 - hx and hy <= v["cy"] <= 1 - hy


def distance(a: dict, b: dict) -> float:
    """How far apart two framings are (fractions of the frame; 10 degrees ~ 0.15); framings
    mirrored otherwise are far apart."""
    if a["hflip"] != b["hflip"] or a["vflip"] != b["vflip"]:
        return 1.0
    shift = max(abs(a[k] - b[k]) for k in ("scale", "cx", "cy"))
    return max(shift, abs(a["angle"] - b["angle"]) / 66.0)


def draw_variants(n: int, rng, setups: int, w: int, h: int) -> tuple[list[dict], float]:
    """n framings at least ``sep`` apart (lowered until n fit), the first the whole picture; with
    setups G, groups of G near-identical ones."""
    setups = max(1, setups)
    groups = math.ceil(n / setups)
    for sep in (0.16, 0.14, 0.12, 0.10, 0.09, 0.08, 0.07, 0.06, 0.05):
        out = []
        for _ in range(groups * 400):
            if len(out) == groups:
                break
            v = {"scale": float(rng.uniform(0.55, 1.0)),
                 "angle": float(rng.choice([-10, -5, 0, 0, 5, 10])),
                 "hflip": bool(rng.random() < 0.5), "vflip": bool(rng.random() < 0.25)}  # fmt: skip
            if not out:
                v.update(scale=1.0, angle=0.0, hflip=False, vflip=False)
            v["cx"], v["cy"] = float(rng.uniform(0, 1)), float(rng.uniform(0, 1))
            if not out:
                v.update(cx=0.5, cy=0.5)
            if fits(v, w, h) and all(distance(v, o) >= sep for o in out):
                out.append(v)
        if len(out) == groups:
            break
    else:
        sys.exit(f"could not draw {groups} distinct framings")
    full = []
    for v in out:
        for g in range(setups):
            if len(full) < n:
                full.append(_near(v, rng, w, h) if g else v)
    return full, sep


def _near(v: dict, rng, w: int, h: int) -> dict:
    """A framing within 2% and 1 degree of ``v``: a recurring set-up."""
    for _ in range(100):
        u = dict(v, scale=min(1.0, v["scale"] * float(rng.uniform(0.98, 1.0))),
                 cx=v["cx"] + float(rng.uniform(-0.02, 0.02)),
                 cy=v["cy"] + float(rng.uniform(-0.02, 0.02)),
                 angle=v["angle"] + float(rng.uniform(-1, 1)))  # fmt: skip
        if fits(u, w, h):
            return u
    return dict(v, scale=v["scale"] * 0.985)


# --- the edit ----------------------------------------------------------------------------------


def plan_edit(
    shots: list, in_colour: set, size: tuple[int, int], o: Cut
) -> tuple[list, list, list, list, float]:
    """Both releases' edits (at least ``o.minutes`` long in B&W) from the source's ``shots``
    (name, first id, end id), ``in_color`` its ids the colour release shows and ``size`` its
    frame's; the reels; the framings drawn and how far apart they are."""
    rng = np.random.default_rng(o.seed)
    n_frames = int(o.minutes * 60 * 24)
    total = sum(b - a for _, a, b in shots)
    n_reels = math.ceil(n_frames / min(700, total)) + 2  # more than needed: a reel shows every shot
    variants, sep = draw_variants(n_reels, rng, o.setups, *size)
    bw, co, reels, nb, nc = [], [], [], 0, 0
    while nb < n_frames:
        b, c, reel = _reel(len(reels), variants, reels, shots, in_colour, o, rng)
        reel.update({"bw_start": nb, "color_start": nc})  # truth.json's keys
        reels.append(reel)
        bw += b
        co += c
        nb, nc = nb + sum(n for _, n in b), nc + sum(n for _, n in c)
    for reel in reels:
        del reel["_seq"], reel["_gain"]
    return bw, co, reels, variants, sep


def _reel(r: int, variants, reels, shots, in_colour, o: Cut, rng) -> tuple[list, list, dict]:
    """Reel ``r`` of both releases (the rng is drawn in one fixed order: a seed makes one film)."""
    v, vid = variants[r], r
    reverse = bool(rng.random() < 0.3)
    order = list(rng.permutation(len(shots))) if o.shuffle else list(range(len(shots)))
    seq = [(j, list(range(shots[j][1], shots[j][2]))[:: -1 if reverse else 1]) for j in order]
    seq = seq[::-1] if reverse else seq
    replay = bool(o.replay and r % 2 == 1)
    if replay:  # the reel before, backwards: the same pictures, the same ids
        prev = reels[r - 1]
        v, vid, reverse = prev["variant"], prev["variant_id"], not prev["reversed"]
        seq = [(j, ids[::-1]) for j, ids in prev["_seq"][::-1]]
    flat = [s for _, ids in seq for s in ids]
    gain: dict[int, float] = {}
    _ramp(gain, flat, int(rng.integers(24, 49)))  # fade in
    _ramp(gain, flat[::-1], int(rng.integers(24, 49)))  # fade out
    gain = dict(prev["_gain"]) if replay else gain
    dip = None  # a fade through black after shot dip[0], dip[1] and dip[2] black frames
    if rng.random() < 0.4 and o.regular is None and not replay and len(seq) > 6:
        at = int(rng.integers(3, len(seq) - 3))
        _ramp(gain, seq[at][1][::-1], int(rng.integers(12, 25)))
        _ramp(gain, seq[at + 1][1], int(rng.integers(12, 25)))
        gap = int(rng.integers(6, 30))
        dip = (at, gap, max(0, gap + int(rng.integers(-4, 9))))
    drop = None  # a shot the colour release lacks
    if rng.random() < o.drop_prob:
        whole = [k for k, (_, ids) in enumerate(seq) if all(s in in_colour for s in ids)]
        drop = int(rng.choice(whole)) if whole else None
    fb = None  # a chunk of an earlier reel, again
    if r > 0 and rng.random() < o.reuse and not replay and len(seq) > 4:
        prev = reels[int(rng.integers(max(0, r - 6), r))]
        k = int(rng.integers(3, min(7, len(prev["_seq"]))))
        s0 = int(rng.integers(0, len(prev["_seq"]) - k))
        chunk = prev["_seq"][s0 : s0 + k]
        if o.reuse_reversed:
            chunk = [(j, ids[::-1]) for j, ids in chunk[::-1]]
        fb = {"from_reel": prev["reel"], "variant": prev["variant_id"],
              "shots": [int(j) for j, _ in chunk], "at": int(rng.integers(2, len(seq) - 2)),
              "_chunk": chunk, "_gain": prev["_gain"]}  # fmt: skip
    b, c = _leaders(r, o, rng)
    for k, (_, ids) in enumerate(seq):
        b += _pictures(vid, ids, gain)
        c += _pictures(vid, ids, gain, in_colour) if k != drop else []
        if dip and k == dip[0]:
            b.append((BLACK, dip[1]))
            c.append((BLACK, dip[2]))
        if fb and k == fb["at"]:
            for _, ids2 in fb["_chunk"]:
                b += _pictures(fb["variant"], ids2, fb["_gain"])
                c += _pictures(fb["variant"], ids2, fb["_gain"], in_colour)
    runout = int(rng.integers(0, 49)) + (int(rng.integers(96, 193)) if rng.random() < 0.2 else 0)
    c_end = int(rng.integers(0, 25))
    b.append((BLACK, 0 if o.regular is not None else runout))
    c.append((BLACK, 0 if o.regular is not None else c_end))
    reel = {"reel": r, "variant_id": vid, "variant": v, "reversed": reverse,
            "replay_of": r - 1 if replay else None, "shot_order": [int(j) for j, _ in seq],
            "dropped_from_color": shots[seq[drop][0]][0] if drop is not None else None,
            "fade_through_black": dip,
            "reuse": {k: x for k, x in fb.items() if not k.startswith("_")} if fb else None,
            "_seq": seq, "_gain": gain}  # fmt: skip
    return b, c, reel


def _ramp(gain: dict, ids: list[int], n: int) -> None:
    """A fade over the first ``n`` of ``ids``, from black."""
    for i, s in enumerate(ids[:n]):
        gain[s] = min(gain.get(s, 1.0), (i + 1) / (n + 1))


def _pictures(vid: int, ids: list[int], gain: dict, keep: set | None = None) -> list:
    return [(("pic", vid, s, gain.get(s, 1.0)), 1) for s in ids if keep is None or s in keep]


def _leaders(r: int, o: Cut, rng) -> tuple[list, list]:
    """Reel r's B&W leader and colour opening (a TV break before some)."""
    white = (255, 255, 255)
    b = [(BLACK, int(rng.integers(6, 25))),
         (("card", f"REEL {r + 1}", (0, 0, 0), white), int(rng.integers(36, 97))),
         (BLACK, int(rng.integers(0, 13)))]  # fmt: skip
    c = []
    if r > 0 and rng.random() < 0.25:
        c += [(BLACK, int(rng.integers(96, 241))),
              (("card", "WE'LL BE RIGHT BACK", (30, 30, 110), white), int(rng.integers(48, 97))),
              (BLACK, 12)]  # fmt: skip
    part = ("card", f"PART {r + 1}", (160, 90, 40), (240, 240, 240))
    c += [(part, int(rng.integers(24, 121))), (BLACK, int(rng.integers(0, 25)))]
    if o.regular is not None:
        b = [(BLACK, 24), (("card", f"REEL {r + 1}", (0, 0, 0), white), 72)]
        c = [(part, 72 - o.regular), (BLACK, 24)]
    return b, c


def truth_of(edit: list) -> tuple[list[int], list[int]]:
    """Each frame's picture id (-1: card, black, a fade under 2%) and the faint frames (a fade
    under 25%: the picture, too dark to ask an aligner to find)."""
    ids, faint = [], []
    for ev, count in edit:
        if ev[0] == "pic" and ev[3] < FAINT_GAIN:
            faint.append(len(ids))
        sid = ev[1] * ID_BASE + ev[2] if ev[0] == "pic" and ev[3] >= BLACK_GAIN else -1
        ids += [sid] * count
    return ids, faint
