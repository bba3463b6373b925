"""Each head's loss leaves out the pixels a mask weighs 0 (under a logo)."""

import pytest
import torch

from filmcolor.model.heads import HEADS, head_class


@pytest.mark.parametrize("arch", list(HEADS))
def test_what_the_mask_leaves_out_does_not_count(arch):
    torch.manual_seed(0)
    head = head_class(arch)(8)
    features, grey = torch.randn(2, 8, 6, 6), torch.zeros(2, 1, 6, 6)
    out = head(features, grey)
    rgb = torch.rand(2, 3, 6, 6) * 2 - 1
    ab = torch.randn(2, 2, 6, 6) * 20
    mask = torch.ones(2, 6, 6)
    mask[:, :, 4:] = 0
    other_rgb, other_ab = rgb.clone(), ab.clone()
    other_rgb[..., 4:], other_ab[..., 4:] = -rgb[..., 4:], -ab[..., 4:]  # differ under the mask
    a = head.loss(out, rgb, ab, mask=mask)
    b = head.loss(out, other_rgb, other_ab, mask=mask)
    assert torch.isclose(a, b), "the masked pixels change nothing"
    assert not torch.isclose(head.loss(out, rgb, ab), head.loss(out, other_rgb, other_ab))
