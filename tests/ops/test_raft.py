"""RAFT estimator: released-weights layout, loading, correlation lookup, upsampling, semantics.

No released weights are available offline; numerics were compared once against the authors'
code with random weights (max |diff| 4.9e-6 px at 128x128, 6 iterations; see the ops report).
"""

import warnings

import pytest
import torch

from motionkit.errors import CheckpointError, InputError, MissingWeightsError
from motionkit.ops.raft import RAFTFlowEstimator, convex_upsample, correlation_pyramid, lookup_correlation


def random_raft(**params) -> RAFTFlowEstimator:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.manual_seed(0)
        return RAFTFlowEstimator(**params)


def test_layout_matches_released_weights():
    model = random_raft()
    # the authors' full-size ("basic") model has 5,257,536 parameters
    assert sum(p.numel() for p in model.parameters()) == 5257536
    state = model.state_dict()
    assert len(state) == 179
    for key, shape in {
        "fnet.conv1.weight": (64, 3, 7, 7),
        "cnet.norm1.running_var": (64,),
        "cnet.layer2.0.norm3.weight": (96,),
        "cnet.layer2.0.downsample.1.weight": (96,),  # stored twice in the released files
        "cnet.conv2.weight": (256, 128, 1, 1),
        "fnet.conv2.weight": (256, 128, 1, 1),
        "update_block.encoder.convc1.weight": (256, 324, 1, 1),
        "update_block.gru.convz1.weight": (128, 384, 1, 5),
        "update_block.gru.convq2.weight": (128, 384, 5, 1),
        "update_block.flow_head.conv2.weight": (2, 256, 3, 3),
        "update_block.mask.2.weight": (576, 256, 1, 1),
    }.items():
        assert tuple(state[key].shape) == shape, key
    assert not any(k.startswith("fnet") and "norm" in k for k in state)  # instance norm: no parameters


def test_loads_dataparallel_weights_file_and_stays_in_eval(tmp_path):
    source = random_raft(iterations=1)
    for module in source.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.normal_(0, 0.1)
    path = tmp_path / "raft-things.pth"
    torch.save({f"module.{k}": v for k, v in source.state_dict().items()}, path)
    loaded = RAFTFlowEstimator(weights=path, iterations=1)
    loaded.train()
    assert not loaded.training and not any(p.requires_grad for p in loaded.parameters())
    for key, value in source.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    images = torch.rand(2, 1, 3, 66, 72, generator=torch.Generator().manual_seed(0)).unbind(0)
    flow = loaded(*images)  # 66 x 72 is padded to 72 x 72 internally and cropped back
    assert flow.shape == (1, 2, 66, 72) and torch.equal(flow, source(*images))


def test_weights_errors_name_the_file(tmp_path):
    missing = tmp_path / "raft-things.pth"
    with pytest.raises(MissingWeightsError, match="raft-things.pth"):
        RAFTFlowEstimator(weights=missing)
    with pytest.raises(InputError, match="at least 64x64"):
        random_raft()(torch.zeros(1, 3, 32, 80), torch.zeros(1, 3, 32, 80))
    torch.save({"fnet.conv1.weight": torch.zeros(1)}, missing)
    with pytest.raises(CheckpointError, match="raft-things.pth"):
        RAFTFlowEstimator(weights=missing)


def test_correlation_lookup_matches_brute_force():
    generator = torch.Generator().manual_seed(0)
    features1, features2 = torch.randn(2, 1, 8, 16, 16, generator=generator).unbind(0)
    pyramid = correlation_pyramid(features1, features2)
    coords = torch.stack(torch.meshgrid(torch.arange(16.0), torch.arange(16.0), indexing="xy"))[None]
    looked = lookup_correlation(pyramid, coords)  # (1, 4 * 81, 16, 16)
    assert looked.shape == (1, 4 * 81, 16, 16)
    # level 0, window sample (i, j) is offset by (x + i - 4, y + j - 4)
    for (y, x), (i, j) in [((5, 6), (4, 4)), ((7, 3), (6, 1)), ((10, 10), (0, 8))]:
        expected = (features1[0, :, y, x] * features2[0, :, y + j - 4, x + i - 4]).sum() / 8**0.5
        torch.testing.assert_close(looked[0, i * 9 + j, y, x], expected)


def test_convex_upsampling_of_constant_flow():
    flow = torch.tensor([1.5, -2.0]).view(1, 2, 1, 1).expand(1, 2, 6, 7)
    mask = torch.randn(1, 9 * 64, 6, 7, generator=torch.Generator().manual_seed(0))
    upsampled = convex_upsample(flow, mask)
    assert upsampled.shape == (1, 2, 48, 56)
    interior = upsampled[..., 8:-8, 8:-8]  # border cells mix in the zero padding
    torch.testing.assert_close(interior, (8 * flow[..., :1, :1]).expand_as(interior))


def test_raft_follows_device(device):
    model = random_raft(iterations=1).to(device)
    images = torch.rand(2, 1, 3, 64, 64, device=device, dtype=torch.float64).unbind(0)
    flow = model(*images)
    assert flow.device.type == device.type and flow.shape == (1, 2, 64, 64) and torch.isfinite(flow).all()
    assert flow.dtype == torch.float64


def test_raft_is_registered_as_a_core_component():
    from motionkit.testing import fresh_registry

    assert fresh_registry().get("flow", "raft") is RAFTFlowEstimator
