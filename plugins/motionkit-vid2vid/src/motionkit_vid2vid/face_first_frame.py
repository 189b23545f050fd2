"""The first frames of an edge-to-face video (official ``--use_single_G`` with ``--dataset_mode face``).

The official code makes each of the first ``n_frames_G - 1`` frames with a single-image generator
``Global_with_z(15 -> 3, nz 16, ngf 64)`` (:class:`~motionkit_vid2vid.single_frame.GlobalWithZ`) whose
feature map ``z`` is built from the *real* frame:

1. the feature encoder ``E (3 -> 16, ngf 16, 4 downsamplings)`` on the real frame in ``[-1, 1]``, averaged
   over each facial part of the part label map (the condition's ``parts``);
2. per image, the nearest training image in the feature bank (``features.npy``), compared on the parts
   present; ``z`` takes, part by part, that image's stored features
   (:class:`~motionkit_vid2vid.face_features.FaceFeatureBank`);
3. ``G(condition, z)``, the condition being the frame's 15-channel input in ``[0, 1]``.

Official files (``checkpoints/edge2face_single/``): ``latest_net_G.pth``, ``latest_net_E.pth``,
``features.npy``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

from torch import Tensor, nn

from motionkit.errors import InputError, MissingWeightsError
from motionkit.nn import FeatureEncoder

from .face_features import FaceFeatureBank
from .single_frame import GlobalWithZ

PathLike = Union[str, os.PathLike]

#: the official file names, in ``checkpoints/edge2face_single/``
OFFICIAL_FILES = {"generator": "latest_net_G.pth", "encoder": "latest_net_E.pth", "features": "features.npy"}


class FaceFirstFrameGenerator(nn.Module):
    """``forward(condition (B, C, H, W) in [0, 1], image (B, 3, H, W) in [0, 1], parts (B, H, W) int) ->
    (B, 3, H, W)`` in ``[-1, 1]`` (module docstring). ``H`` and ``W`` must be multiples of
    ``2 ** n_downsampling`` of the encoder (16 for the official one).

    :attr:`required_inputs` names what :class:`~motionkit_vid2vid.pipeline.Vid2VidPipeline` must be given with
    each of the first condition frames (``push(condition, image=..., parts=...)``).
    """

    required_inputs = ("image", "parts")

    def __init__(self, generator: GlobalWithZ, encoder: FeatureEncoder, bank: FaceFeatureBank) -> None:
        super().__init__()
        if encoder.output_nc != bank.nz:
            raise InputError(f"{bank.source}: features have {bank.nz} channels but the encoder gives {encoder.output_nc}")
        self.generator = generator
        self.encoder = encoder
        strides = [m for m in encoder.modules() if isinstance(m, nn.Conv2d) and m.stride == (2, 2)]
        #: frame height and width must be multiples of this (the encoder's downsampling)
        self.size_multiple = 2 ** len(strides)
        self.bank = bank  # not a buffer: the lookup stays float32 in a reduced-precision copy

    def forward(self, condition: Tensor, image: Optional[Tensor] = None, parts: Optional[Tensor] = None) -> Tensor:
        if image is None or parts is None:
            raise InputError("face first frames need the real frame 'image' (B, 3, H, W) in [0, 1] and its part "
                             "labels 'parts' (B, H, W) with each condition frame")
        if image.dim() != 4 or image.shape[1] != 3 or image.shape[-2:] != condition.shape[-2:]:
            raise InputError(f"image: expected (B, 3, H, W) matching the condition {tuple(condition.shape)}, "
                             f"got {tuple(image.shape)}")
        height, width = condition.shape[-2:]
        if height % self.size_multiple or width % self.size_multiple:
            raise InputError(f"face first frames: frame size {height}x{width} must be a multiple of {self.size_multiple} "
                             "(the feature encoder's downsampling)")
        encoded = self.encoder(image.to(condition.dtype) * 2 - 1, parts.long())
        z = self.bank.feature_map(encoded.float(), parts.long())
        return self.generator(condition, z.to(condition.dtype))

    @classmethod
    def from_official(
        cls, generator: PathLike, encoder: Optional[PathLike] = None, features: Optional[PathLike] = None,
    ) -> "FaceFirstFrameGenerator":
        """The official networks (:func:`~motionkit_vid2vid.single_frame.official_single_frame_networks`
        ``("edge2face")``) loaded strictly from ``generator`` (``latest_net_G.pth``), ``encoder``
        (``latest_net_E.pth``) and the bank ``features`` (``features.npy``); a file not given is looked
        for beside ``generator`` under its official name. A missing file raises
        :class:`~motionkit.errors.MissingWeightsError` naming it."""
        from .official import load_official_state
        from .single_frame import official_single_frame_networks

        folder = Path(generator).parent
        paths = {
            "generator": Path(generator),
            "encoder": Path(encoder) if encoder is not None else folder / OFFICIAL_FILES["encoder"],
            "features": Path(features) if features is not None else folder / OFFICIAL_FILES["features"],
        }
        missing = [f"{role} {path}" for role, path in paths.items() if not path.is_file()]
        if missing:
            raise MissingWeightsError(
                "edge2face first frames need the official single-image files of checkpoints/edge2face_single/ "
                f"(latest_net_G.pth, latest_net_E.pth, features.npy); not found: {', '.join(missing)}")
        networks = official_single_frame_networks("edge2face")
        load_official_state(networks["G"], paths["generator"])
        load_official_state(networks["E"], paths["encoder"])
        return cls(networks["G"], networks["E"], FaceFeatureBank.load(paths["features"], nz=networks["E"].output_nc))
