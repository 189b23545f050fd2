"""pix2pixHD generator component, local enhancer, feature encoder and instance pooling."""
from __future__ import annotations

import pytest
import torch

from motionkit.errors import InputError
from motionkit.nn import LocalEnhancer, Pix2PixHDGenerator, instance_average, pix2pixhd_condition

TINY = dict(ngf=2, n_downsample_global=2, n_blocks_global=1, n_blocks_local=1)


@pytest.mark.parametrize("net,size", [("global", (16, 24)), ("global", (32, 32)), ("local", (16, 32)), ("local", (24, 40))])
def test_generator_output_shapes(net: str, size: tuple[int, int]) -> None:
    torch.manual_seed(0)
    generator = Pix2PixHDGenerator(net=net, condition_channels=5, **TINY)
    with torch.no_grad():
        out = generator(torch.rand(2, 5, *size))
    assert out["prediction"].shape == (2, 3, *size)
    assert float(out["prediction"].min()) >= 0 and float(out["prediction"].max()) <= 1
    torch.testing.assert_close(out["prediction"], (out["prediction_signed"] + 1) / 2)
    if net == "local":
        assert out["global_features"].shape == (2, 4, size[0] // 2, size[1] // 2)


def test_local_enhancer_layout_and_two_enhancers() -> None:
    net = LocalEnhancer(3, 3, ngf=2, n_downsample_global=1, n_blocks_global=1, n_local_enhancers=2, n_blocks_local=1)
    names = {k.split(".")[0] for k in net.state_dict()}
    assert names == {"model", "model1_1", "model1_2", "model2_1", "model2_2"}
    # the global part runs on the input pooled twice and has ngf * 4 filters
    out, global_features = net.forward_with_global(torch.rand(1, 3, 16, 16))
    assert out.shape == (1, 3, 16, 16) and global_features.shape == (1, 8, 4, 4)
    pool = net.downsample
    assert pool.kernel_size == 3 and pool.stride == 2 and pool.padding == 1 and not pool.count_include_pad


def test_sizes_that_do_not_divide_are_refused() -> None:
    generator = Pix2PixHDGenerator(net="local", condition_channels=5, **TINY)
    with pytest.raises(InputError, match="multiples of 8"):
        generator(torch.rand(1, 5, 20, 16))
    with pytest.raises(InputError, match=r"\(B, 5, H, W\)"):
        generator(torch.rand(1, 4, 16, 16))


def test_gradients_reach_every_parameter_and_the_input() -> None:
    generator = Pix2PixHDGenerator(net="local", condition_channels=4, feature_channels=2, encoder_ngf=2, encoder_downsample=2, **TINY)
    condition = torch.rand(1, 4, 16, 16, requires_grad=True)
    image = torch.rand(1, 3, 16, 16)
    instances = torch.zeros(1, 16, 16, dtype=torch.long)
    instances[:, 4:10, 2:12] = 5
    out = generator(condition, instances=instances, image=image)
    (out["prediction"] ** 2).mean().backward()
    assert condition.grad is not None and condition.grad.abs().sum() > 0
    missing = [n for n, p in generator.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()]
    assert not missing
    # features are constant over each instance
    features = out["features"]
    assert torch.allclose(features[0, :, 5, 3], features[0, :, 9, 11]) and features.shape == (1, 2, 16, 16)


def test_feature_generator_needs_features_or_image() -> None:
    generator = Pix2PixHDGenerator(condition_channels=4, feature_channels=2, encoder=False, **TINY)
    assert generator.encoder is None
    with pytest.raises(InputError, match="pass features"):
        generator(torch.rand(1, 4, 16, 16))
    out = generator(torch.rand(1, 4, 16, 16), features=torch.rand(1, 2, 16, 16))
    assert out["prediction"].shape == (1, 3, 16, 16)


def test_instance_average_matches_a_loop() -> None:
    torch.manual_seed(1)
    features = torch.randn(2, 3, 5, 6, dtype=torch.float64)
    instances = torch.randint(0, 4, (2, 5, 6))
    instances[1, 0, 0] = 26000  # a Cityscapes-style id
    pooled = instance_average(features, instances)
    expected = features.clone()
    for b in range(2):
        for i in instances[b].unique():
            mask = instances[b] == i
            expected[b][:, mask] = features[b][:, mask].mean(dim=1, keepdim=True)
    torch.testing.assert_close(pooled, expected)
    assert pooled.dtype == torch.float64


def test_instance_average_rejects_bad_maps() -> None:
    with pytest.raises(InputError, match=r"instances must have shape \(B, H, W\)"):
        instance_average(torch.rand(1, 3, 4, 4), torch.zeros(1, 1, 4, 4, dtype=torch.long))
    with pytest.raises(InputError, match="integer ids"):
        instance_average(torch.rand(1, 3, 4, 4), torch.zeros(1, 4, 4))


def test_condition_is_one_hot_then_edges() -> None:
    labels = torch.tensor([[[0, 2], [1, 2]]])
    instances = torch.tensor([[[5, 5], [5, 5]]])
    condition = pix2pixhd_condition(labels, instances, num_classes=3)
    assert condition.shape == (1, 4, 2, 2)
    assert torch.equal(condition[0, :3].argmax(0), labels[0]) and torch.equal(condition[0, :3].sum(0), torch.ones(2, 2))
    assert condition[0, 3].sum() == 0
    assert pix2pixhd_condition(labels, None, num_classes=3).shape == (1, 3, 2, 2)
    with pytest.raises(InputError, match=r"labels must lie in \[0, 2\)"):
        pix2pixhd_condition(labels, instances, num_classes=2)
