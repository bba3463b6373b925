"""The heads are declared once (``model.heads``): ``--arch`` offers them, each one named builds."""

import pytest
import torch

from filmcolor.cli import subcommand
from filmcolor.errors import ModelError
from filmcolor.model.head import Head
from filmcolor.model.heads import HEADS, head_class
from filmcolor.model.net import ColourNet


def test_arch_offers_the_heads_declared_with_their_help():
    arch = next(a for a in subcommand("train")._actions if a.dest == "arch")
    assert tuple(arch.choices) == tuple(HEADS)
    for name, spec in HEADS.items():
        assert f"{name} ({spec.help})" in arch.help


@pytest.mark.parametrize("name", list(HEADS))
def test_every_head_declared_builds_a_network(name):
    assert issubclass(head_class(name), Head)
    net = ColourNet(name)
    assert isinstance(net.head, head_class(name))
    assert net(torch.zeros(1, 1, 16, 16)).shape[0] == 1


def test_a_head_not_declared_is_refused():
    with pytest.raises(ModelError, match="unknown architecture 'unet-x'; one of unet-bins, "):
        ColourNet("unet-x")
