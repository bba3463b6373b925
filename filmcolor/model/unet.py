"""The body of the colorizer: the U-Net of the FilmColorizer report.

Three double convolutions (64, 128, 256 kernels), each two 3x3 convs with batch norm and ReLU, the
first of each pair with stride 2 in place of max pooling (64 -> 32 -> 16 -> 8 pixels); three 2x
transposed-conv upsamplings, the first two followed by a double conv (128, then 64 kernels); each
upsampling's output is concatenated with the matching encoder output (the last one with the input
frame itself). A head (``heads``) turns its features into colour.
"""

from __future__ import annotations

import torch
from torch import nn


class DoubleConv(nn.Sequential):
    """Two 3x3 convs with batch norm and ReLU; the first may stride to halve the size."""

    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__(
            nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        )


class UNet(nn.Module):
    """Grey (n, 1, h, w) in [-1, 1] -> features (n, width / 2 + 1, h, w); h, w divisible by 8."""

    def __init__(self, width: int = 64):
        super().__init__()
        w1, w2, w3 = width, 2 * width, 4 * width
        self.enc1 = DoubleConv(1, w1, stride=2)
        self.enc2 = DoubleConv(w1, w2, stride=2)
        self.enc3 = DoubleConv(w2, w3, stride=2)
        self.up1 = nn.ConvTranspose2d(w3, w2, 2, stride=2)
        self.dec1 = DoubleConv(2 * w2, w2)
        self.up2 = nn.ConvTranspose2d(w2, w1, 2, stride=2)
        self.dec2 = DoubleConv(2 * w1, w1)
        self.up3 = nn.ConvTranspose2d(w1, w1 // 2, 2, stride=2)
        self.features = w1 // 2 + 1

    def forward(self, grey: torch.Tensor) -> torch.Tensor:
        e1 = self.enc1(grey)
        e2 = self.enc2(e1)
        e3 = self.enc3(e2)
        d1 = self.dec1(torch.cat([self.up1(e3), e2], dim=1))
        d2 = self.dec2(torch.cat([self.up2(d1), e1], dim=1))
        return torch.cat([self.up3(d2), grey], dim=1)
