"""RAFT optical flow (Teed & Deng, ECCV 2020) loading the authors' released weights from a local file.

The network is the authors' full-size RAFT ("basic" model: ``raft-things.pth``,
``raft-sintel.pth``, ``raft-kitti.pth``, ``raft-chairs.pth``), written so their state-dict keys
load strictly (a ``module.`` prefix from ``DataParallel`` is stripped). It runs in inference
mode only: the module stays in eval mode (its context encoder uses BatchNorm statistics) and
returns flows without gradient.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import Tensor, nn

from motionkit.checkpoint import load_official, load_state_strict, strip_prefix
from motionkit.errors import CheckpointError, InputError, MissingWeightsError
from motionkit.interfaces import Config, FlowEstimator
from motionkit.ops._validation import check_shape
from motionkit.ops.grid import pixel_grid, pixels_to_normalized

HIDDEN = 128  # GRU state channels
CONTEXT = 128  # context feature channels
LEVELS = 4  # correlation pyramid levels
RADIUS = 4  # lookup radius: (2 * RADIUS + 1)^2 samples per level
MIN_SIZE = 8 * 2 ** (LEVELS - 1)  # smallest frame side whose coarsest correlation level is >= 1 pixel


def _norm(kind: str, channels: int) -> nn.Module:
    return nn.BatchNorm2d(channels) if kind == "batch" else nn.InstanceNorm2d(channels)


class _ResidualBlock(nn.Module):
    def __init__(self, in_channels: int, channels: int, norm: str, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, padding=1, stride=stride)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.norm1 = _norm(norm, channels)
        self.norm2 = _norm(norm, channels)
        self.downsample: nn.Sequential | None = None
        if stride != 1:
            # the released weights store this normalisation twice: as norm3 and as downsample.1
            self.norm3 = _norm(norm, channels)
            self.downsample = nn.Sequential(nn.Conv2d(in_channels, channels, 1, stride=stride), self.norm3)

    def forward(self, x: Tensor) -> Tensor:
        y = F.relu(self.norm1(self.conv1(x)))
        y = F.relu(self.norm2(self.conv2(y)))
        if self.downsample is not None:
            x = self.downsample(x)
        return F.relu(x + y)


class _Encoder(nn.Module):
    """Image ``(B, 3, H, W)`` in ``[-1, 1]`` -> features ``(B, out, H / 8, W / 8)``."""

    def __init__(self, out_channels: int, norm: str) -> None:
        super().__init__()
        self.norm1 = _norm(norm, 64)
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3)
        widths = [(64, 64, 1), (64, 96, 2), (96, 128, 2)]
        for index, (cin, cout, stride) in enumerate(widths, start=1):
            block = nn.Sequential(_ResidualBlock(cin, cout, norm, stride), _ResidualBlock(cout, cout, norm, 1))
            self.add_module(f"layer{index}", block)
        self.conv2 = nn.Conv2d(128, out_channels, 1)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: Tensor) -> Tensor:
        x = F.relu(self.norm1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.conv2(x)


class _SeparableConvGRU(nn.Module):
    """GRU with a horizontal (1x5) then a vertical (5x1) pass."""

    def __init__(self, hidden: int, inputs: int) -> None:
        super().__init__()
        for axis, (kernel, padding) in ((1, ((1, 5), (0, 2))), (2, ((5, 1), (2, 0)))):
            for gate in "zrq":
                self.add_module(f"conv{gate}{axis}", nn.Conv2d(hidden + inputs, hidden, kernel, padding=padding))

    def _step(self, h: Tensor, x: Tensor, axis: int) -> Tensor:
        hx = torch.cat([h, x], dim=1)
        z = torch.sigmoid(getattr(self, f"convz{axis}")(hx))
        r = torch.sigmoid(getattr(self, f"convr{axis}")(hx))
        q = torch.tanh(getattr(self, f"convq{axis}")(torch.cat([r * h, x], dim=1)))
        return (1 - z) * h + z * q

    def forward(self, h: Tensor, x: Tensor) -> Tensor:
        return self._step(self._step(h, x, 1), x, 2)


class _MotionEncoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.convc1 = nn.Conv2d(LEVELS * (2 * RADIUS + 1) ** 2, 256, 1)
        self.convc2 = nn.Conv2d(256, 192, 3, padding=1)
        self.convf1 = nn.Conv2d(2, 128, 7, padding=3)
        self.convf2 = nn.Conv2d(128, 64, 3, padding=1)
        self.conv = nn.Conv2d(64 + 192, 128 - 2, 3, padding=1)

    def forward(self, flow: Tensor, correlation: Tensor) -> Tensor:
        cor = F.relu(self.convc2(F.relu(self.convc1(correlation))))
        flo = F.relu(self.convf2(F.relu(self.convf1(flow))))
        return torch.cat([F.relu(self.conv(torch.cat([cor, flo], dim=1))), flow], dim=1)


class _FlowHead(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(HIDDEN, 256, 3, padding=1)
        self.conv2 = nn.Conv2d(256, 2, 3, padding=1)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv2(F.relu(self.conv1(x)))


class _UpdateBlock(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = _MotionEncoder()
        self.gru = _SeparableConvGRU(HIDDEN, CONTEXT + 128)
        self.flow_head = _FlowHead()
        self.mask = nn.Sequential(nn.Conv2d(HIDDEN, 256, 3, padding=1), nn.ReLU(), nn.Conv2d(256, 64 * 9, 1))

    def forward(self, hidden: Tensor, context: Tensor, correlation: Tensor, flow: Tensor):
        features = torch.cat([context, self.encoder(flow, correlation)], dim=1)
        hidden = self.gru(hidden, features)
        return hidden, 0.25 * self.mask(hidden), self.flow_head(hidden)


def correlation_pyramid(features1: Tensor, features2: Tensor) -> list[Tensor]:
    """All-pairs correlation ``(B * h * w, 1, h, w)`` and ``LEVELS - 1`` 2x average-pooled copies."""
    batch, channels, height, width = features1.shape
    volume = torch.matmul(features1.view(batch, channels, -1).transpose(1, 2), features2.view(batch, channels, -1))
    volume = volume.view(batch * height * width, 1, height, width) / torch.sqrt(torch.tensor(float(channels)))
    pyramid = [volume]
    for _ in range(LEVELS - 1):
        pyramid.append(F.avg_pool2d(pyramid[-1], 2, stride=2))
    return pyramid


def lookup_correlation(pyramid: list[Tensor], coords: Tensor) -> Tensor:
    """Correlations in a ``(2r + 1)^2`` window around ``coords (B, 2, h, w)`` (pixels) at every level.

    Returns ``(B, LEVELS * (2r + 1)^2, h, w)``. Window sample ``(i, j)`` is offset by
    ``(x + o_i, y + o_j)`` with ``o = -r..r``, the order the released weights were trained with.
    """
    batch, _, height, width = coords.shape
    offsets = torch.linspace(-RADIUS, RADIUS, 2 * RADIUS + 1, device=coords.device, dtype=coords.dtype)
    size = offsets.numel()
    window = torch.stack(
        (offsets.view(size, 1).expand(size, size), offsets.view(1, size).expand(size, size)), dim=-1
    ).view(1, size, size, 2)
    centres = coords.permute(0, 2, 3, 1).reshape(batch * height * width, 1, 1, 2)
    samples = []
    for level, volume in enumerate(pyramid):
        points = centres / 2**level + window
        grid = pixels_to_normalized(points, volume.shape[-2:], align_corners=True)
        sampled = F.grid_sample(volume, grid, align_corners=True)
        samples.append(sampled.view(batch, height, width, -1))
    return torch.cat(samples, dim=-1).permute(0, 3, 1, 2).contiguous()


def convex_upsample(flow: Tensor, mask: Tensor) -> Tensor:
    """``(B, 2, h, w)`` flow -> ``(B, 2, 8h, 8w)`` (pixels of the full size) as convex 3x3 combinations."""
    batch, _, height, width = flow.shape
    weights = torch.softmax(mask.view(batch, 1, 9, 8, 8, height, width), dim=2)
    neighbours = F.unfold(8 * flow, [3, 3], padding=1).view(batch, 2, 9, 1, 1, height, width)
    upsampled = torch.sum(weights * neighbours, dim=2).permute(0, 1, 4, 2, 5, 3)
    return upsampled.reshape(batch, 2, 8 * height, 8 * width)


class RAFTFlowEstimator(FlowEstimator):
    """RAFT dense backward flow from a local weights file (inference only).

    ``forward(target, source)``: ``(B, 3, H, W)`` in ``[0, 1]`` -> flow ``(B, 2, H, W)`` in
    pixels with ``target(p) ~= source(p + flow(p))`` (RAFT's ``image1 = target``,
    ``image2 = source``). Frames (at least 64 x 64) are padded to a multiple of 8 by edge
    replication. Without
    ``weights`` the network is randomly initialised (for tests; its flows are meaningless).
    """

    name = "raft"

    class Config(Config):
        #: the authors' released weights (e.g. raft-things.pth); None: random initialisation
        weights: Path | None = None
        #: refinement iterations (the authors use 12 to 32 at test time)
        iterations: int = Field(default=12, ge=1)

    config: Config

    def __init__(self, config: Config | None = None, **params) -> None:
        super().__init__(config, **params)
        self.fnet = _Encoder(256, "instance")
        self.cnet = _Encoder(HIDDEN + CONTEXT, "batch")
        self.update_block = _UpdateBlock()
        weights = self.config.weights
        if weights is None:
            warnings.warn("RAFTFlowEstimator has no weights: its flows are meaningless", stacklevel=2)
        else:
            self.load_weights(weights)
        self.requires_grad_(False)
        self.eval()

    def load_weights(self, path: Path) -> None:
        """Load released RAFT weights (a state dict, optionally with ``module.`` prefixes) strictly."""
        path = Path(path)
        if not path.is_file():
            raise MissingWeightsError(
                f"{path}: RAFT weights not found; provide the authors' released file (e.g. raft-things.pth)"
            )
        state = load_official(path)
        if not isinstance(state, dict):
            raise CheckpointError(f"{path}: expected a state dict of RAFT weights, got {type(state).__name__}")
        load_state_strict(self, strip_prefix(state), source=str(path))

    def train(self, mode: bool = True) -> RAFTFlowEstimator:
        """Stays in eval mode (the estimator is inference-only)."""
        return super().train(False)

    @torch.no_grad()
    def forward(self, target: Tensor, source: Tensor) -> Tensor:
        check_shape(target, "target", "(B, 3, H, W)", 4, {1: 3})
        check_shape(source, "source", "(B, 3, H, W)", 4, {1: 3})
        if target.shape != source.shape:
            raise InputError(f"target {tuple(target.shape)} and source {tuple(source.shape)} must have one shape")
        height, width = target.shape[-2:]
        if min(height, width) < MIN_SIZE:
            raise InputError(
                f"RAFT needs frames of at least {MIN_SIZE}x{MIN_SIZE} pixels (a {LEVELS}-level correlation "
                f"pyramid at 1/8 resolution), got {height}x{width}"
            )
        pad_h, pad_w = -height % 8, -width % 8
        padding = (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2)
        dtype = target.dtype
        images = [F.pad(2 * x.float() - 1, padding, mode="replicate") for x in (target, source)]

        features1, features2 = self.fnet(torch.cat(images, dim=0)).chunk(2, dim=0)
        pyramid = correlation_pyramid(features1, features2)
        hidden, context = torch.split(self.cnet(images[0]), [HIDDEN, CONTEXT], dim=1)
        hidden, context = torch.tanh(hidden), torch.relu(context)

        batch, _, low_h, low_w = features1.shape
        coords0 = pixel_grid(low_h, low_w, device=target.device).permute(2, 0, 1).unsqueeze(0).expand(batch, 2, -1, -1)
        coords1 = coords0.clone()
        for _ in range(self.config.iterations):
            correlation = lookup_correlation(pyramid, coords1)
            hidden, mask, delta = self.update_block(hidden, context, correlation, coords1 - coords0)
            coords1 = coords1 + delta
        flow = convex_upsample(coords1 - coords0, mask)
        top, left = padding[2], padding[0]
        return flow[..., top : top + height, left : left + width].to(dtype)
