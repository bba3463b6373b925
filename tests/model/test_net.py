"""The network: the report's U-Net body under each head."""

import torch

from filmcolor.model.bins import gamut_bins
from filmcolor.model.net import ColourNet


def test_network_shapes_and_parameter_count():
    bins = gamut_bins()
    for arch, channels in (("unet-rgb", 3), ("unet-ab", 2), ("unet-bins", len(bins))):
        net = ColourNet(arch)
        shape = (2, 64, 64, channels) if arch == "unet-bins" else (2, channels, 64, 64)
        assert net(torch.zeros(2, 1, 64, 64)).shape == shape
        params = sum(p.numel() for p in net.parameters())
        assert params == 1_871_136 + 34 * channels, "the report's body, 1,871,238 with its RGB head"
    body = net.body
    assert [
        m.out_channels
        for m in (body.enc1[0], body.enc2[0], body.enc3[0], body.dec1[0], body.dec2[0])
    ] == [64, 128, 256, 128, 64]
    assert [m.stride for m in (body.enc1[0], body.enc2[0], body.enc3[0])] == [(2, 2)] * 3
