"""VGG19 feature extractor for perceptual losses, loading torchvision's ImageNet file without torchvision.

The weights file is the standard ``vgg19-dcbb9e9d.pth`` (torchvision's layout: ``features.N.weight`` /
``features.N.bias``; ``classifier.*`` keys are ignored). It is found, in order, at the path given in the
config, at ``$MOTIONKIT_VGG19_WEIGHTS``, or in torch's hub cache ``$TORCH_HOME/hub/checkpoints/``
(``~/.cache/torch/hub/checkpoints/`` by default). Nothing is downloaded.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

import torch
from torch import nn

from motionkit.checkpoint import load_official
from motionkit.errors import CheckpointError, MissingWeightsError

VGG19_FILENAME = "vgg19-dcbb9e9d.pth"
VGG19_ENV = "MOTIONKIT_VGG19_WEIGHTS"
#: torchvision's VGG19 "E" configuration; "M" is a 2x2 max-pool
_CONFIG = (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M")
#: index (in ``features``) one past relu1_1, relu2_1, relu3_1, relu4_1, relu5_1
SLICE_ENDS = (2, 7, 12, 21, 30)
#: ImageNet statistics of the torchvision weights, for inputs in [0, 1]
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
PathLike = Union[str, Path]


def vgg19_feature_layers(end: int = SLICE_ENDS[-1]) -> nn.Sequential:
    """torchvision's ``vgg19().features`` up to (not including) index ``end``, with the same indices."""
    layers: list[nn.Module] = []
    channels = 3
    for item in _CONFIG:
        if item == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(channels, item, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            channels = item
    return nn.Sequential(*layers[:end])


def find_vgg19_weights(path: Optional[PathLike] = None) -> Path:
    """The VGG19 weights file: ``path``, else ``$MOTIONKIT_VGG19_WEIGHTS``, else the torch hub cache.

    Raises :class:`MissingWeightsError` naming the file and where to put it.
    """
    if path is not None:
        path = Path(path).expanduser()
        if not path.is_file():
            raise MissingWeightsError(f"VGG19 weights file {path} (from the config's weights) does not exist")
        return path
    env = os.environ.get(VGG19_ENV)
    if env:
        env_path = Path(env).expanduser()
        if not env_path.is_file():
            raise MissingWeightsError(f"VGG19 weights file {env_path} (from ${VGG19_ENV}) does not exist")
        return env_path
    torch_home = Path(os.environ.get("TORCH_HOME", Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")) / "torch"))
    cached = torch_home.expanduser() / "hub" / "checkpoints" / VGG19_FILENAME
    if cached.is_file():
        return cached
    raise MissingWeightsError(
        f"VGG19 ImageNet weights not found: put torchvision's {VGG19_FILENAME} at {cached}, or set "
        f"${VGG19_ENV} (or the loss config's 'weights') to its path. For tests and smoke runs only, "
        "'weights: random' uses untrained features."
    )


def load_vgg19_state(path: PathLike, end: int = SLICE_ENDS[-1]) -> dict[str, torch.Tensor]:
    """The ``features.N`` tensors (N < ``end``) of a torchvision-layout VGG19 file, keys without the
    ``features.`` prefix; :class:`CheckpointError` naming the file if it is not such a file."""
    state = load_official(path)
    if not isinstance(state, dict):
        raise CheckpointError(f"{path}: expected a VGG19 state dict (torchvision layout), got {type(state).__name__}")
    reference = vgg19_feature_layers(end).state_dict()
    own = {}
    for key, shape in ((k, v.shape) for k, v in reference.items()):
        value = state.get(f"features.{key}")
        if not isinstance(value, torch.Tensor):
            raise CheckpointError(
                f"{path}: not a VGG19 file in torchvision's layout ({VGG19_FILENAME}): key features.{key} is missing"
            )
        if value.shape != shape:
            raise CheckpointError(
                f"{path}: not torchvision's VGG19: features.{key} has shape {tuple(value.shape)}, expected {tuple(shape)}"
            )
        own[key] = value
    return own


class VGG19Features(nn.Module):
    """Frozen VGG19 activations relu1_1, relu2_1, relu3_1, relu4_1 and relu5_1.

    ``forward(x (B, 3, H, W)) -> [5 tensors (B, 64|128|256|512|512, H / 2**i, W / 2**i)]``. With
    ``imagenet_normalize`` the input is expected in [0, 1] and normalised by the ImageNet mean/std (as FOMM
    does); without, it is fed as is (pix2pixHD feeds its [-1, 1] images). ``weights="random"`` keeps the
    random initialisation: for tests and smoke runs only.
    """

    def __init__(self, weights: Union[PathLike, None] = None, imagenet_normalize: bool = False) -> None:
        super().__init__()
        if weights == "random":
            self.features = vgg19_feature_layers()
        else:
            state = load_vgg19_state(find_vgg19_weights(weights))
            with torch.device("meta"):  # skip the random initialisation the file overwrites
                self.features = vgg19_feature_layers()
            self.features.load_state_dict(state, assign=True)
        self.features.requires_grad_(False)
        self.imagenet_normalize = imagenet_normalize
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        if x.dim() != 4 or x.shape[1] != 3:
            raise ValueError(f"VGG19 input must have shape (B, 3, H, W), got {tuple(x.shape)}")
        if min(x.shape[-2:]) < 16:
            raise ValueError(f"VGG19 input must be at least 16x16 (four 2x2 poolings before relu5_1), got {tuple(x.shape[-2:])}")
        if self.imagenet_normalize:
            x = (x - self.mean.to(x.dtype)) / self.std.to(x.dtype)
        outputs = []
        start = 0
        for end in SLICE_ENDS:
            for index in range(start, end):
                x = self.features[index](x)
            outputs.append(x)
            start = end
        return outputs
