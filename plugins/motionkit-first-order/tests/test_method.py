"""The networks, the method's training step, configs and plugin conformance."""
from __future__ import annotations

import pytest
import torch

import motionkit as mk
from motionkit.testing import check_plugin
from motionkit_first_order import FirstOrder, KeypointDetector, OcclusionAwareGenerator


def _blob_batch(batch: int = 2, size: int = 32) -> dict[str, torch.Tensor]:
    """A textured square moving between source and driving frames."""
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, size), torch.linspace(-1, 1, size), indexing="ij")
    texture = 0.5 + 0.25 * torch.stack([torch.sin(7 * xx), torch.cos(5 * yy), torch.sin(3 * (xx + yy))])

    def frame(cx: float) -> torch.Tensor:
        inside = (((xx - cx).abs() < 0.4) & (yy.abs() < 0.4)).float()
        return texture * inside + 0.1 * (1 - inside)

    return {"source": frame(-0.25).expand(batch, 3, size, size).clone(),
            "driving": frame(0.25).expand(batch, 3, size, size).clone()}


def test_plugin_conforms(tiny_params):
    def generator_forward(generator):
        source = torch.rand(1, 3, 64, 64)
        kp = mk.Keypoints(torch.rand(1, generator.config.num_kp, 2) * 2 - 1,
                          torch.eye(2).expand(1, generator.config.num_kp, 2, 2).clone())
        out = generator.eval()(source, kp, kp)
        assert out["prediction"].shape == source.shape

    def method_forward(method_cls):
        method = method_cls(**tiny_params)
        out = method.generator_step(_blob_batch())
        assert set(out.losses) >= {"perceptual", "reconstruction", "gen_gan", "feature_matching",
                                   "equivariance_value", "equivariance_jacobian"}

    info = check_plugin("motionkit-first-order", forwards={
        "generator:first-order.occlusion_aware": generator_forward,
        "method:first-order": lambda m: method_forward(type(m)),
    })
    assert {"representation:first-order.keypoints", "generator:first-order.occlusion_aware",
            "method:first-order"} <= set(info.components)
    assert "animate --method first-order" in info.commands


def test_keypoints_follow_conventions(tiny_method):
    kp = tiny_method.kp_detector(torch.rand(3, 3, 32, 32))
    assert kp.value.shape == (3, 5, 2) and kp.jacobian.shape == (3, 5, 2, 2)
    assert kp.value.abs().max() <= 1
    # the jacobian head starts at identity (zero weights, identity bias) before any training
    fresh = KeypointDetector(num_kp=4, block_expansion=4, max_features=8, num_blocks=2)
    torch.testing.assert_close(fresh(torch.rand(1, 3, 16, 16)).jacobian, torch.eye(2).expand(1, 4, 2, 2))


def test_identical_keypoints_give_identity_deformation(tiny_method):
    source = torch.rand(2, 3, 32, 32)
    kp = tiny_method.eval().kp_detector(source)
    out = tiny_method.generator(source, kp, kp)
    identity = mk.ops.coordinate_grid(16, 16, align_corners=True).expand(2, 16, 16, 2)
    torch.testing.assert_close(out["deformation"], identity, atol=1e-5, rtol=0)
    assert out["mask"].shape == (2, 6, 16, 16) and out["occlusion_map"].shape == (2, 1, 16, 16)
    assert out["sparse_deformed"].shape == (2, 6, 3, 16, 16) and out["deformed"].shape == (2, 3, 32, 32)


@pytest.mark.parametrize("exact_identity", [False, True])
def test_identity_motion_reproduces_the_source_only_with_exact_identity(tiny_params, exact_identity):
    tiny_params["generator_params"]["exact_identity"] = exact_identity
    method = FirstOrder(**tiny_params).eval()
    source = torch.rand(2, 3, 32, 32)
    kp = method.kp_detector(source)
    out = method.generator(source, kp, kp)
    # the background motion (entry 0) and, with identical keypoints, every motion is the identity
    downsampled = method.generator.dense_motion_network.down(source)
    background_error = (out["sparse_deformed"][:, 0] - downsampled).abs().max()
    deformed_error = (out["deformed"] - source).abs().max()
    if exact_identity:
        assert background_error < 1e-5 and deformed_error < 1e-5
    else:  # the official convention zooms by H / (H - 1) and blurs the border
        assert background_error > 0.05 and deformed_error > 0.05


def test_blend_deformed_source_copies_visible_regions(tiny_params):
    tiny_params["generator_params"].update(exact_identity=True, blend_deformed_source=True)
    method = FirstOrder(**tiny_params).eval()
    generator = method.generator
    source, driving = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)
    kp_s, kp_d = method.kp_detector(source), method.kp_detector(driving)
    occlusion = generator.dense_motion_network.occlusion
    torch.nn.init.zeros_(occlusion.weight)
    for bias, expected in ((30.0, "deformed"), (-30.0, None)):
        torch.nn.init.constant_(occlusion.bias, bias)
        out = generator(source, kp_s, kp_d)
        if expected == "deformed":  # everything visible: the prediction is the warped source
            torch.testing.assert_close(out["prediction"], out["deformed"], atol=1e-6, rtol=0)
        else:  # everything occluded: the prediction is the decoder's, and differs from the warped source
            assert (out["prediction"] - out["deformed"]).abs().max() > 0.05
    inference = generator.render(source, generator.encode(source), kp_s, kp_d, with_deformed=False)
    assert "deformed" not in inference and torch.equal(inference["prediction"], out["prediction"])


def test_blend_deformed_source_needs_an_occlusion_map(tiny_params):
    tiny_params["generator_params"].update(blend_deformed_source=True, estimate_occlusion_map=False)
    with pytest.raises(ValueError, match="blend_deformed_source needs estimate_occlusion_map"):
        FirstOrder(**tiny_params)


def test_cached_encoder_gives_the_same_output(tiny_method):
    generator = tiny_method.eval().generator
    source, driving = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)
    kp_s, kp_d = tiny_method.kp_detector(source), tiny_method.kp_detector(driving)
    full = generator(source, kp_s, kp_d)
    cached = generator.render(source, generator.encode(source), kp_s, kp_d)
    for key, value in full.items():
        assert torch.equal(value, cached[key]), key


def test_training_step_decreases_loss_and_reaches_every_network(tiny_params):
    torch.manual_seed(0)
    tiny_params["loss_params"]["loss_weights"].update(perceptual=[0, 0, 0, 0, 0], generator_gan=0)
    method = FirstOrder(**tiny_params).train()
    groups = method.parameter_groups()
    assert set(groups) == {"kp_detector", "generator"} and method.discriminator_groups == ()
    optimizer = torch.optim.Adam([p for g in groups.values() for p in g], lr=2e-3, betas=(0.5, 0.999))
    batch = _blob_batch()
    history = []
    for step in range(25):
        torch.manual_seed(step)
        losses = method.generator_step(batch).losses
        optimizer.zero_grad()
        sum(losses.values()).backward()
        if step == 0:
            for name, params in groups.items():
                assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in params), f"no gradient in {name}"
        optimizer.step()
        history.append(float(losses["reconstruction"].detach()))
    assert sum(history[-5:]) / 5 < 0.7 * sum(history[:5]) / 5, history


def test_discriminator_step(tiny_method):
    assert tiny_method.discriminator_groups == ("discriminator",)
    batch = _blob_batch()
    step = tiny_method.generator_step(batch)
    outputs = {k: v.detach() for k, v in step.outputs.items()}
    losses = tiny_method.discriminator_step(batch, outputs)
    assert set(losses) == {"disc_gan"} and losses["disc_gan"].dim() == 0
    losses["disc_gan"].backward()
    assert all(p.grad is not None for p in tiny_method.discriminator.parameters() if p.requires_grad)
    visuals = tiny_method.visuals(batch, outputs)
    assert set(visuals) == {"source", "driving", "prediction", "deformed", "occlusion_map"}
    assert all(v.shape == (2, 3, 32, 32) and 0 <= v.min() and v.max() <= 1 for v in visuals.values())


def test_checkpoint_excludes_loss_networks_and_round_trips(tiny_method, tmp_path):
    tiny_method.generator_step(_blob_batch())  # builds the (random) VGG19 of the perceptual loss
    keys = tiny_method.state_dict()
    assert all(k.split(".")[0] in ("kp_detector", "generator", "discriminator") for k in keys)
    path = mk.save_method(tiny_method, tmp_path / "tiny.safetensors")
    loaded = mk.load_method(path, expected_method="first-order")
    for key, value in keys.items():
        assert torch.equal(loaded.state_dict()[key], value), key


@pytest.mark.parametrize(
    "change, field",
    [
        ({"generator_params": {"num_downblocks": 2}}, "generator_params.num_downblocks"),
        ({"kp_detector_params": {"temperature": 0}}, "kp_detector_params.temperature"),
        ({"loss_params": {"loss_weights": {"perceptual": [1, 2]}}}, "perceptual has 2 weights"),
        ({"common_params": {"estimate_jacobian": False}}, "equivariance_jacobian needs"),
    ],
)
def test_config_errors_name_the_field(change, field):
    with pytest.raises(mk.ConfigError, match=field):
        FirstOrder(**change)


def test_generator_checks_its_input():
    generator = OcclusionAwareGenerator(num_kp=2, block_expansion=4, max_features=8, num_down_blocks=1,
                                        num_bottleneck_blocks=1)
    kp = mk.Keypoints(torch.zeros(1, 2, 2))
    with pytest.raises(ValueError, match=r"source must be \(B, 3, H, W\)"):
        generator(torch.rand(1, 4, 16, 16), kp, kp)


@pytest.mark.parametrize("name", ["sprites", "vox-256", "taichi-256"])
def test_builtin_configs_validate(name):
    import yaml

    from motionkit.configfile import parse_run_config, resolve_config
    from motionkit.training.config import parse_train_config

    path = resolve_config(f"first-order/{name}")
    run = parse_run_config(yaml.safe_load(path.read_text()), str(path))
    config = FirstOrder.build_config(run.model, source=str(path))
    parse_train_config(run.train, source=str(path))
    mk.get_registry().get("dataset", run.data.name).build_config(run.data.params)
    if name != "sprites":  # the official vox-256 model and losses (FirstOrder's defaults); taichi: no sn
        vox = FirstOrder.Config()
        expected = vox.model_copy(update={"discriminator_params": vox.discriminator_params.model_copy(
            update={"sn": name == "vox-256"})})
        assert config == expected
