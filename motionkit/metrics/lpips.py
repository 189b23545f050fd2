"""LPIPS (Zhang et al. 2018), AlexNet variant, with weights from files the user provides.

Two files (both read with ``torch.load(weights_only=True)``):

* ``backbone``: torchvision's ImageNet AlexNet state dict, ``alexnet-owt-7be5be79.pth`` (keys
  ``features.{0,3,6,8,10}.{weight,bias}``; the classifier is ignored);
* ``linear``: the LPIPS v0.1 linear layers for AlexNet, ``alex.pth`` (keys ``lin{0..4}.model.1.weight``).
  When not given, the copy installed with torchmetrics (``torchmetrics/functional/image/lpips_models``)
  is used if present.

Distance: inputs in [0, 1] are mapped to [-1, 1] and normalised by LPIPS's fixed shift/scale; at each of
the five ReLU outputs the features are unit-normalised over channels, their squared difference is weighted
by the linear layer, averaged over space, and the five values are summed.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

import torch
import torch.nn.functional as F
from torch import nn

from ..checkpoint import load_official, load_state_strict
from ..errors import InputError
from .inputs import check_images, check_pair
from .weights import require_weights

BACKBONE_FILE = "alexnet-owt-7be5be79.pth (torchvision ImageNet AlexNet state dict)"
LINEAR_FILE = "alex.pth (LPIPS v0.1 linear layers for AlexNet)"
#: AlexNet conv layers: (torchvision index, in channels, out channels, kernel, stride, padding)
ALEXNET_CONVS = ((0, 3, 64, 11, 4, 2), (3, 64, 192, 5, 1, 2), (6, 192, 384, 3, 1, 1), (8, 384, 256, 3, 1, 1),
                 (10, 256, 256, 3, 1, 1))
#: the smallest side AlexNet's trunk accepts (its third stage needs a 3x3 input to pool)
MIN_SIZE = 31
SHIFT = (-0.030, -0.088, -0.188)
SCALE = (0.458, 0.448, 0.450)


def bundled_linear_weights() -> Optional[Path]:
    """torchmetrics' copy of the LPIPS AlexNet linear layers, if installed."""
    try:
        import torchmetrics
    except ImportError:
        return None
    path = Path(torchmetrics.__file__).parent / "functional" / "image" / "lpips_models" / "alex.pth"
    return path if path.is_file() else None


class AlexNetFeatures(nn.Module):
    """The five ReLU outputs of AlexNet's convolutional trunk; state-dict keys as torchvision's."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.ModuleDict(
            {str(i): nn.Conv2d(cin, cout, k, stride=s, padding=p) for i, cin, cout, k, s, p in ALEXNET_CONVS}
        )

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outputs = []
        for n, (index, *_) in enumerate(ALEXNET_CONVS):
            if n in (1, 2):
                x = F.max_pool2d(x, kernel_size=3, stride=2)
            x = F.relu(self.features[str(index)](x))
            outputs.append(x)
        return outputs


class LPIPS(nn.Module):
    """LPIPS-Alex distance network; ``forward(a, b)`` on ``(N, 3, H, W)`` in [0, 1] -> ``(N,)``."""

    def __init__(self, backbone: Optional[Union[str, Path]], linear: Optional[Union[str, Path]] = None) -> None:
        super().__init__()
        self.backbone_path = require_weights(backbone, "LPIPS", BACKBONE_FILE)
        self.linear_path = require_weights(linear if linear is not None else bundled_linear_weights(), "LPIPS", LINEAR_FILE)
        self.net = AlexNetFeatures()
        self.lins = nn.ModuleList(nn.Conv2d(cout, 1, 1, bias=False) for *_, cout, _, _, _ in ALEXNET_CONVS)
        self.register_buffer("shift", torch.tensor(SHIFT).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("scale", torch.tensor(SCALE).view(1, 3, 1, 1), persistent=False)
        backbone_state = load_official(self.backbone_path)
        trunk = {f"features.{k[len('features.'):]}": v for k, v in backbone_state.items() if k.startswith("features.")}
        load_state_strict(self.net, trunk, source=str(self.backbone_path))
        linear_state = load_official(self.linear_path)
        lins = {f"{k[3]}.weight": v for k, v in linear_state.items() if k.startswith("lin") and k.endswith(".weight")}
        load_state_strict(self.lins, lins, source=str(self.linear_path))
        self.eval().requires_grad_(False)

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        fa = self.net(((a * 2 - 1) - self.shift) / self.scale)
        fb = self.net(((b * 2 - 1) - self.shift) / self.scale)
        total = torch.zeros(a.shape[0], dtype=a.dtype, device=a.device)
        for lin, xa, xb in zip(self.lins, fa, fb):
            na = xa / (xa.square().sum(1, keepdim=True).sqrt() + 1e-10)
            nb = xb / (xb.square().sum(1, keepdim=True).sqrt() + 1e-10)
            total = total + lin((na - nb).square()).mean(dim=(1, 2, 3))
        return total


@torch.no_grad()
def lpips(prediction: torch.Tensor, target: torch.Tensor, network: Union[LPIPS, str, Path, None],
          batch_size: int = 32) -> torch.Tensor:
    """Mean LPIPS-Alex distance over frames (images ``(N, 3, H, W)`` or videos) in [0, 1].

    :param network: an :class:`LPIPS` or the backbone weights file (linear layers from torchmetrics).
    """
    net = network if isinstance(network, LPIPS) else LPIPS(network)
    pred, tgt = check_images(prediction, "prediction"), check_images(target, "target")
    check_pair(pred, tgt)
    if min(pred.shape[-2:]) < MIN_SIZE:
        raise InputError(f"lpips: frames {tuple(pred.shape[-2:])} are smaller than AlexNet's {MIN_SIZE}-pixel minimum")
    device = net.shift.device
    values = [net(p.to(device).float(), t.to(device).float()).cpu() for p, t in zip(pred.split(batch_size), tgt.split(batch_size))]
    return torch.cat(values).mean()
