"""Run normalisation layers on the statistics of the current input without touching stored statistics.

The official vid2vid test script never calls ``model.eval()``: its BatchNorm layers normalise every
generated frame with that frame's own statistics (a batch of one), and the released models are only
reproduced that way. Leaving a module in training mode would also update its running statistics (and
``num_batches_tracked``) at every frame, so a model would drift from its checkpoint while generating.
:func:`current_statistics` gives the official arithmetic and leaves every buffer untouched.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm


@contextmanager
def current_statistics(module: nn.Module) -> Iterator[nn.Module]:
    """Within the block, every BatchNorm/InstanceNorm of ``module`` normalises with the statistics of its
    input (as in training mode) and updates no running statistics; other layers keep their mode.
    Everything is restored on exit."""
    saved = []
    for layer in module.modules():
        if isinstance(layer, (_BatchNorm, _InstanceNorm)):
            saved.append((layer, layer.training, layer.track_running_stats, layer.running_mean, layer.running_var))
            # InstanceNorm updates any running buffers it is given, even when told to use input statistics,
            # so the buffers are hidden from both kinds of layer for the duration of the block.
            layer.training, layer.track_running_stats = True, False
            layer.running_mean = layer.running_var = None
    try:
        yield module
    finally:
        for layer, training, track, mean, var in saved:
            layer.training, layer.track_running_stats = training, track
            layer.running_mean, layer.running_var = mean, var
