"""Pictures a person opens to check a stage: the alignment plot, strips and grids of frames, loss curves.

Matplotlib renders off-screen (Agg); every function writes one PNG and returns nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

if TYPE_CHECKING:
    from .align import Alignment, Film


def alignment_plot(path: Path, bw: "Film", color: "Film", al: "Alignment") -> None:
    """B&W time against colour time: matched frames, segments, and B&W cuts."""
    bw_fps, color_fps = float(bw.info.fps), float(color.info.fps)
    fig, ax = plt.subplots(figsize=(7, 5), dpi=100)
    for cut in bw.cuts:
        ax.axvline(cut / bw_fps, color="0.85", lw=0.8, zorder=0)
    matched = np.flatnonzero(al.state >= 0)
    c = al.color_frame(matched)
    sc = ax.scatter(matched / bw_fps, c / color_fps, c=al.score[matched], s=3, cmap="viridis", vmin=0.5, vmax=1.0)
    for k, s in enumerate(al.segments):
        b = np.array([s.bw_start, s.bw_end - 1])
        ax.plot(b / bw_fps, s.color_index(b, al.slope) / color_fps, lw=1.5, color="C3", alpha=0.6)
        ax.annotate(str(k), (b[0] / bw_fps, s.color_index(b[0], al.slope) / color_fps), fontsize=7, color="C3")
    fig.colorbar(sc, ax=ax, label="match score")
    ax.set_xlim(0, bw.n / bw_fps)
    ax.set_ylim(0, color.n / color_fps)
    ax.set_xlabel(f"B&W release time (s) — {bw.info.path.name}")
    ax.set_ylabel(f"colour release time (s) — {color.info.path.name}")
    ax.set_title(f"{len(al.segments)} matched segments, speed ratio {al.slope * bw_fps / color_fps:.4f}; grey lines: B&W cuts", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def image_grid(path: Path, columns: Sequence[np.ndarray], titles: Sequence[str], row_labels: Sequence[str] = ()) -> None:
    """A grid: one column per title, each an (n, h, w, 3) uint8 stack shown top to bottom."""
    n = len(columns[0])
    fig, axes = plt.subplots(n, len(columns), figsize=(1.8 * len(columns), 1.8 * n), dpi=100, squeeze=False)
    for j, (col, title) in enumerate(zip(columns, titles)):
        for i in range(n):
            ax = axes[i, j]
            ax.imshow(col[i])
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(title, fontsize=9)
            if j == 0 and i < len(row_labels):
                ax.set_ylabel(row_labels[i], fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def pair_strip(path: Path, bw: np.ndarray, color: np.ndarray, labels: Sequence[str]) -> None:
    """Sample pairs side by side: B&W above, colour below, one column per pair."""
    n = len(bw)
    fig, axes = plt.subplots(2, n, figsize=(1.6 * n, 3.6), dpi=100, squeeze=False)
    for i in range(n):
        for row, img in enumerate((bw[i], color[i])):
            ax = axes[row, i]
            ax.imshow(img)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[0, i].set_title(labels[i], fontsize=6)
    axes[0, 0].set_ylabel("B&W")
    axes[1, 0].set_ylabel("colour")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def loss_curves(path: Path, history: dict[str, Sequence[float]], baseline: dict[str, float] | None = None) -> None:
    """Loss per epoch for each named series, with the identity baseline as dashed lines."""
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    for i, (name, values) in enumerate(history.items()):
        ax.plot(range(len(values)), values, label=name, color=f"C{i}")
        if baseline and name in baseline:
            ax.axhline(baseline[name], color=f"C{i}", ls="--", lw=1, label=f"{name} baseline")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE over [-1, 1] RGB")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
