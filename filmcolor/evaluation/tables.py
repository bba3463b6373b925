"""The tables the command line prints: a model against the identity baseline, colour first."""

from __future__ import annotations


def split_table(metrics: dict) -> str:
    """Model against the identity baseline, one row per split (``metrics.json``'s "splits"): the
    colour error and its ratio to the grey film's, colourfulness against the release's, MSE; for a
    unet-rgb model also the MSE of the network's own RGB output and its ratio to the baseline's,
    as the FilmColorizer report gave them."""
    splits = metrics["splits"]
    network = all("network" in s for s in splits.values())
    mse_head = f"{'MSE [-1,1] RGB':>20}" if not network else f"{'MSE [-1,1] RGB':>31}"
    lines = [
        f"{'':<7}{'colour error (a*b*)':^27}{'colourfulness':>15}{mse_head}",
        f"{'split':<7}{'identity':>9}{'filmcolor':>10}{'ratio':>8}{'÷ release':>15}"
        f"{'identity':>10}{'filmcolor':>10}" + (f"{'network':>10}{'ratio':>8}" if network else ""),
    ]
    for split, s in splits.items():
        b, m = s["baseline"], s["model"]
        line = (
            f"{split:<7}{b['colour_error']:>9.2f}{m['colour_error']:>10.2f}"
            f"{m['colour_error'] / b['colour_error']:>8.2f}{m['colourfulness_ratio']:>15.2f}"
            f"{b['mse']:>10.4f}{m['mse']:>10.4f}"
        )
        if network:
            n = s["network"]["mse"]
            line += f"{n:>10.4f}{n / b['mse']:>8.2f}"
        lines.append(line)
    if network:
        lines += [NETWORK_NOTE, "ratio: network ÷ identity"]
    return "\n".join(lines)


NETWORK_NOTE = (
    "filmcolor: its colour on the B&W frame's own lightness, as render shows it;\n"
    "network: the network's own RGB output, tones included (how the FilmColorizer report scored)"
)


_ROWS = [
    ("colour error", "colour_error", "{:.2f}", "lower: CIEDE2000 of a*b* (release's L*)"),
    ("colourfulness", "colourfulness", "{:.1f}", "as release"),
    ("  ÷ release", "colourfulness_ratio", "{:.2f}", "1"),
    ("MSE [-1,1] RGB", "mse", "{:.4f}", "lower"),
    ("PSNR (dB)", "psnr", "{:.2f}", "higher"),
    ("SSIM", "ssim", "{:.4f}", "higher"),
    ("CIEDE2000", "ciede2000", "{:.2f}", "lower (lightness included)"),
    ("flicker", "flicker", "{:.2f}", "as release"),
]


def evaluation_table(scores: dict) -> str:
    """Each metric for the identity baseline (a grey film), the model and, where it applies, the
    colour release; colour first."""
    lines = [f"{'':<16}{'identity':>10}{'filmcolor':>11}{'release':>9}   better"]
    for label, key, fmt, better in _ROWS:
        cells = []
        for source in ("baseline", "model", "colour_release"):
            value = scores[source].get(key)
            cells.append(fmt.format(value) if value is not None else "-")
        lines.append(f"{label:<16}{cells[0]:>10}{cells[1]:>11}{cells[2]:>9}   {better}")
    network = scores.get("network")
    if network:
        mse, base = network["mse"], scores["baseline"]["mse"]
        lines += [
            f"{'MSE, network':<16}{base:>10.4f}{mse:>11.4f}{'-':>9}   lower ({mse / base:.2f}x "
            "identity's)",
            NETWORK_NOTE,
        ]
    return "\n".join(lines)
