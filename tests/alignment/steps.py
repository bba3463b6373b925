"""Small grey films for the alignment steps' unit tests: panning textures, a shot per world."""

import cv2
import numpy as np


def shot(seed: int, n: int, side: int = 64, speed: int = 2) -> np.ndarray:
    """``n`` frames (n, side, side) uint8 of a textured world panning ``speed`` pixels a frame."""
    rng = np.random.default_rng(seed)
    world = rng.integers(0, 256, (side, side + speed * n)).astype(np.uint8)
    world = cv2.GaussianBlur(world, (0, 0), 2.5)
    world = cv2.normalize(world, None, 0, 255, cv2.NORM_MINMAX)
    return np.stack([world[:, speed * t : speed * t + side] for t in range(n)])


def film(shots: list[int], seeds: list[int]) -> tuple[np.ndarray, list[int]]:
    """Shots of the given lengths one after another, and the cut list."""
    frames = [shot(s, n) for s, n in zip(seeds, shots)]
    return np.concatenate(frames), list(np.cumsum(shots)[:-1])


def tone(grey: np.ndarray, gamma: float = 1.6) -> np.ndarray:
    """Another stock's tonal response: a monotonic change of every grey level."""
    return (255 * (grey / 255.0) ** gamma).astype(np.uint8)
