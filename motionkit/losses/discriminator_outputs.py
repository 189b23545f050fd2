"""Normalising discriminator outputs for the adversarial losses."""
from __future__ import annotations

from typing import Sequence, Union

import torch

from motionkit.interfaces import ScaleOutput

#: a logit map, one scale's output, one discriminator's scales, or several discriminators' scales
DiscriminatorOutputs = Union[torch.Tensor, ScaleOutput, Sequence[ScaleOutput], Sequence[Sequence[ScaleOutput]]]


def per_discriminator(outputs: DiscriminatorOutputs) -> list[list[ScaleOutput]]:
    """``outputs`` as a list of discriminators, each a list of :class:`ScaleOutput` (finest first).

    A bare tensor is one discriminator with one scale and no features; a flat list is one discriminator
    (e.g. :class:`~motionkit.nn.MultiscalePatchDiscriminator`); a nested list is several (e.g.
    :meth:`~motionkit.nn.TemporalDiscriminator.forward_temporal`), whose losses are summed.
    """
    if isinstance(outputs, torch.Tensor):
        return [[ScaleOutput(features=[], logits=outputs)]]
    if isinstance(outputs, ScaleOutput):
        return [[outputs]]
    items = list(outputs)
    if not items:
        raise ValueError("discriminator outputs are empty")
    if all(isinstance(item, ScaleOutput) for item in items):
        return [items]
    nested = all(isinstance(group, (list, tuple)) and group for group in items)
    if not nested or not all(isinstance(item, ScaleOutput) for group in items for item in group):
        raise TypeError("discriminator outputs must be ScaleOutput, list[ScaleOutput] or list[list[ScaleOutput]]")
    return [list(group) for group in items]
