"""A tiny vid2vid training step: every loss is finite and gradients reach the networks."""
from __future__ import annotations

import pytest
import torch

from motionkit.data import ScenesDataset
from motionkit_vid2vid.method import Vid2Vid

TINY = dict(
    generator=dict(frame_channels=7, ngf=8, n_downsample=2, n_blocks=2, n_blocks_local=1, n_scales=2,
                   foreground_channels=[5]),
    condition=dict(kind="labels", num_classes=6, use_instance=True),
    ndf=8, n_layers_D=2, num_D=1, temporal_scales=1, lambda_vgg=1.0, vgg_weights="random",
    initial_frames=3, max_frames=4,
)


@pytest.fixture(scope="module")
def batch():
    dataset = ScenesDataset(height=32, width=32, num_frames=4, length=2)
    item = dataset[0]
    return {k: v.unsqueeze(0) for k, v in item.items()}


def test_generator_and_discriminator_steps(batch):
    torch.manual_seed(0)
    method = Vid2Vid(**TINY)
    method.set_training_progress(99, 100)
    assert method.sequence_length == 4
    out = method.generator_step(batch)
    expected = {"gan", "feature_matching", "vgg", "flow", "flow_warp", "mask", "temporal_warp",
                "gan_temporal", "feature_matching_temporal"}
    assert set(out.losses) == expected
    assert all(torch.isfinite(v) and v.dim() == 0 for v in out.losses.values())
    sum(out.losses.values()).backward()
    g = method.generator
    # losses are on the finest scale (as in the official training); coarser scales get gradients through the
    # features they pass on, not through their own output heads
    for name in ("netG1.model_final_flow.1.weight", "netG1.model_final_w.1.weight", "netG1.indv_final.1.weight",
                 "netG0.model_up_flow.0.weight", "netG0.indv_up.0.weight", "netG0.model_down_seg.1.weight",
                 "netG0.model_down_img.1.weight"):
        grad = dict(g.named_parameters())[name].grad
        assert grad is not None and grad.abs().sum() > 0, name
    method.zero_grad()
    d_losses = method.discriminator_step(batch, {k: v.detach() for k, v in out.outputs.items()})
    assert set(d_losses) == {"real", "fake", "real_temporal", "fake_temporal"}
    sum(d_losses.values()).backward()
    assert method.image_discriminator.scale0_layer0[0].weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in g.parameters())
    visuals = method.visuals(batch, out.outputs)
    assert all(v.shape == (1, 3, 32, 32) for v in visuals.values())


def test_sequence_length_grows():
    method = Vid2Vid(**{**TINY, "initial_frames": 3, "max_frames": 12})
    lengths = []
    for step in range(0, 100, 10):
        method.set_training_progress(step, 100)
        lengths.append(method.sequence_length)
    assert lengths[0] == 3 and lengths[-1] == 12 and lengths == sorted(lengths) and 6 in lengths


def test_flow_from_core_estimator_without_dataset_flow(batch):
    method = Vid2Vid(**{**TINY, "lambda_vgg": 0.0, "temporal_scales": 0, "initial_frames": 3, "max_frames": 3})
    no_flow = {k: v for k, v in batch.items() if k not in ("flow", "visible")}
    out = method.generator_step(no_flow)
    assert torch.isfinite(out.losses["flow"])


def test_bad_batches_and_configs_are_named(batch):
    method = Vid2Vid(**TINY)
    method.set_training_progress(99, 100)
    with pytest.raises(ValueError, match="instances"):
        method.generator_step({k: v for k, v in batch.items() if k != "instances"})
    with pytest.raises(ValueError, match="T >= 4"):
        method.generator_step({k: v[:, :3] for k, v in batch.items()})
    with pytest.raises(Exception, match="frame_channels"):
        Vid2Vid(**{**TINY, "condition": dict(kind="labels", num_classes=35)})


def test_edge_to_video_on_a_video_folder(tmp_path):
    """edge2video: Canny edges of real video clips (core video-folder dataset), DIS flow as ground truth."""
    from motionkit.data.video_folder import VideoFolderDataset
    from motionkit.io import write_frame_folder

    frames = ScenesDataset(height=32, width=32, num_frames=4, length=1)[0]["frames"]
    write_frame_folder(tmp_path / "videos" / "clip0", frames)
    dataset = VideoFolderDataset(root=tmp_path / "videos", split=None, mode="clips", num_frames=4)
    batch = {k: v.unsqueeze(0) for k, v in dataset[0].items()}
    method = Vid2Vid(generator=dict(frame_channels=1, ngf=8, n_downsample=2, n_blocks=2),
                     condition=dict(kind="extractor", extractor="canny", channels=1),
                     ndf=8, n_layers_D=2, num_D=1, temporal_scales=1, lambda_vgg=0.0, initial_frames=4, max_frames=4)
    out = method.generator_step(batch)
    assert all(torch.isfinite(v) for v in out.losses.values()) and out.outputs["fake"].shape == (1, 2, 3, 32, 32)
