"""The a*b* bins: gamut, soft-encoding and its decoding, class rebalancing."""

import cv2
import numpy as np
import torch

from filmcolor.model.bins import (
    GRID,
    NEAREST,
    BinsHead,
    Encoder,
    annealed_mean,
    gamut_bins,
    rebalancing,
)


def _srgb_ab(n: int, seed: int = 0) -> np.ndarray:
    rgb = np.random.default_rng(seed).random((n, 1, 3), dtype=np.float32)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab)[:, 0, 1:]


def test_the_bins_cover_every_srgb_colour():
    bins = gamut_bins()
    assert 240 <= len(bins) <= 313  # Zhang et al.'s 313 also hold squares outside sRGB
    ab = _srgb_ab(5000)
    nearest = np.sqrt(((ab[:, None] - bins[None]) ** 2).sum(-1)).min(1)
    assert nearest.max() <= GRID / 2 * np.sqrt(2) + 1e-3


def test_soft_encoding_decodes_back_to_the_colour():
    bins = gamut_bins()
    centres = torch.from_numpy(bins)
    ab = torch.from_numpy(_srgb_ab(2000, seed=1)).T.reshape(1, 2, 40, 50)
    index, weight = Encoder(bins).encode(ab)
    assert index.shape == weight.shape == (1, 40, 50, NEAREST)
    assert torch.allclose(weight.sum(-1), torch.ones(1, 40, 50))
    logits = torch.zeros(1, 40, 50, len(bins)).scatter_(-1, index, weight).clamp_min(1e-12).log()
    # Decoded by its plain mean (T = 1), the encoding gives the colour back to within the bins'
    # spacing; at a low temperature it gives its most likely bin, the nearest to the colour.
    error = (annealed_mean(logits, centres, t=1.0) - ab.permute(0, 2, 3, 1)).norm(dim=-1)
    assert error.mean() < 2.5 and error.max() < GRID
    likeliest = centres[index.gather(-1, weight.argmax(-1, keepdim=True))[..., 0]]
    top = weight.topk(2, dim=-1).values
    unique = top[..., 0] - top[..., 1] > 1e-3  # the rest lie halfway between two bins
    sharp = annealed_mean(logits, centres, t=0.01)
    assert torch.allclose(sharp[unique], likeliest[unique], atol=1e-2)


def test_rebalancing_weighs_rare_colours_up():
    bins = gamut_bins()
    grey = np.zeros((900, 2), np.float32)
    red = np.tile(np.float32([[60, 40]]), (100, 1))
    counts = Encoder(bins).histogram(np.concatenate([grey, red]), len(bins))
    w = rebalancing(counts, bins)
    at = lambda ab: np.argmin(((bins - np.float32(ab)) ** 2).sum(1))  # noqa: E731
    assert w[at([0, 0])] < 1 < w[at([60, 40])] < w[at([-40, -40])]  # common < rare < never seen


def test_inference_by_blocks_decodes_what_the_logits_do():
    # BinsHead.colour decodes BLOCK pixels at a time (never a batch's logits whole): the same a*b*
    # as the logits forward gives, decoded at once, whatever the blocks' boundaries.
    torch.manual_seed(0)
    head = BinsHead(features=9).eval()
    features = torch.randn(3, 9, 20, 30) * 3  # 1800 pixels: 3 blocks and a partial one
    grey = torch.zeros(3, 1, 20, 30)
    whole = head.decode(head(features, grey))
    assert whole.shape == (3, 20, 30, 2) and np.abs(whole).max() > 5
    np.testing.assert_allclose(head.colour(features, grey), whole, atol=1e-4)
    channels_last = features.contiguous(memory_format=torch.channels_last)
    np.testing.assert_allclose(head.colour(channels_last, grey), whole, atol=1e-4)
