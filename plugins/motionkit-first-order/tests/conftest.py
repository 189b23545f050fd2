"""Shared fixtures: a tiny first-order model that runs in milliseconds on 32x32 frames."""
from __future__ import annotations

import pytest
import torch

from motionkit_first_order import FirstOrder

TINY = {
    "common_params": {"num_kp": 5, "num_channels": 3, "estimate_jacobian": True},
    "kp_detector_params": {"temperature": 0.1, "block_expansion": 4, "max_features": 16, "scale_factor": 0.5,
                           "num_blocks": 3},
    "generator_params": {"block_expansion": 4, "max_features": 16, "num_down_blocks": 1, "num_bottleneck_blocks": 1,
                         "estimate_occlusion_map": True,
                         "dense_motion_params": {"block_expansion": 4, "max_features": 16, "num_blocks": 3,
                                                 "scale_factor": 0.5}},
    "discriminator_params": {"scales": [1, 0.5], "block_expansion": 4, "max_features": 16, "num_blocks": 2,
                             "sn": True, "use_kp": True},
    "loss_params": {"scales": [1, 0.5], "vgg19_weights": "random",
                    "loss_weights": {"generator_gan": 1, "feature_matching": [10, 10],
                                     "perceptual": [1, 1, 1, 1, 1], "reconstruction": 10}},
}


@pytest.fixture
def tiny_params() -> dict:
    import copy

    return copy.deepcopy(TINY)


@pytest.fixture
def tiny_method(tiny_params) -> FirstOrder:
    torch.manual_seed(0)
    return FirstOrder(**tiny_params)


@pytest.fixture(autouse=True)
def single_thread():
    """Tiny tensors gain nothing from intra-op threads, and oversubscribed CI cores make them much slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
