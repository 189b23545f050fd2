"""Speed and memory of first-order animation and training on CPU: motionkit vs the official code, one run,
same random weights, same inputs.

    python benchmarks/first_order_speed.py --official /path/to/first-order-model [--frames 32 1024]
        [--threads 2] [--train-steps 3] [--json out.json]

``--official`` is a checkout of github.com/AliaksandrSiarohin/first-order-model (only its ``modules/``,
``sync_batchnorm/`` and ``animate.py`` are imported; torchvision is replaced by motionkit's VGG19 layers
with random weights, identical in both). Measured, each in a fresh subprocess (so peak RSS is per case):

* animation at 256x256, full vox-256 architecture, relative + adapt-scale: the official demo loop
  (``make_animation``: the whole driving video as one array, predictions collected in a list) vs
  motionkit's streaming :class:`Animator` (frames generated and consumed one at a time), in float32
  ("exact") and bf16 autocast ("fast"): seconds per frame, frames per second, peak RSS;
* exactness: max |motionkit fp32 - official| and PSNR(bf16 vs fp32) over the first frames;
* ``--parity-fixture``: instead, motionkit's plain networks vs the official ones on the parity checkpoint;
* training: one vox-256 generator step at batch 2 (pyramid perceptual + equivariance; generator_gan 0 so
  no discriminator step), official ``GeneratorFullModel`` vs ``FirstOrder.generator_step``, fp32 and bf16,
  each with its own optimizer (the official train.py's ``torch.optim.Adam``; motionkit's
  ``OptimizerConfig.build``, fused Adam) timed as part of the step.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import types
from pathlib import Path

SIZE = 256
SEED = 0


# -- shared setup ------------------------------------------------------------------------------------
def _import_official(official: Path):
    """The official modules, with torchvision (VGG19 only) and the demo-only imports stubbed."""
    from motionkit.nn.vgg19 import vgg19_feature_layers

    torchvision = types.ModuleType("torchvision")
    torchvision.models = types.SimpleNamespace(vgg19=lambda pretrained=False: types.SimpleNamespace(
        features=vgg19_feature_layers(37)))  # all of torchvision's vgg19().features
    sys.modules.setdefault("torchvision", torchvision)
    for name in ("frames_dataset", "logger"):
        sys.modules.setdefault(name, types.SimpleNamespace(PairedDataset=None, Logger=None, Visualizer=None))
    sys.path.insert(0, str(official))
    from animate import normalize_kp
    from modules.generator import OcclusionAwareGenerator
    from modules.keypoint_detector import KPDetector
    from modules.model import GeneratorFullModel

    return OcclusionAwareGenerator, KPDetector, GeneratorFullModel, normalize_kp


def _vox_config(official: Path) -> dict:
    import yaml

    return yaml.safe_load((official / "config" / "vox-256.yaml").read_text())


def _models(official: Path):
    """Official generator + detector with seeded random weights, and a motionkit FirstOrder holding the same."""
    import torch

    from motionkit_first_order import FirstOrder
    from motionkit_first_order.official import official_config_params

    OfficialGenerator, OfficialDetector, _, _ = _import_official(official)
    config = _vox_config(official)
    params = config["model_params"]
    torch.manual_seed(SEED)
    generator = OfficialGenerator(**params["generator_params"], **params["common_params"]).eval()
    detector = OfficialDetector(**params["kp_detector_params"], **params["common_params"]).eval()
    with torch.no_grad():  # non-trivial jacobians, as trained models have
        detector.jacobian.weight.normal_(0, 0.002)
    method = FirstOrder(**official_config_params(official / "config" / "vox-256.yaml")).eval()
    method.generator.load_state_dict(generator.state_dict())
    method.kp_detector.load_state_dict(detector.state_dict())
    return generator, detector, method


def _frame(index: int):
    """A smooth moving test pattern ``(3, 256, 256)`` in [0, 1] (deterministic per index)."""
    import torch

    yy, xx = torch.meshgrid(torch.linspace(-1, 1, SIZE), torch.linspace(-1, 1, SIZE), indexing="ij")
    t = index * 0.05
    cx, cy = 0.3 * torch.sin(torch.tensor(t)), 0.2 * torch.cos(torch.tensor(1.3 * t))
    blob = torch.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / 0.15)
    return torch.stack([0.3 + 0.6 * blob, 0.5 + 0.3 * torch.sin(4 * xx + t) * blob, 0.7 - 0.5 * blob]).clamp(0, 1)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- cases (each run in its own process) ---------------------------------------------------------------
def case_official_animate(official: Path, frames: int) -> dict:
    import numpy as np
    import torch

    generator, detector, _ = _models(official)
    normalize_kp = _import_official(official)[3]
    source_image = _frame(0).permute(1, 2, 0).numpy()
    driving_video = [_frame(i).permute(1, 2, 0).numpy() for i in range(frames)]  # as the demo: all in memory
    start = time.perf_counter()
    with torch.no_grad():  # the official demo's make_animation, CPU path
        predictions = []
        source = torch.tensor(source_image[np.newaxis].astype(np.float32)).permute(0, 3, 1, 2)
        driving = torch.tensor(np.array(driving_video)[np.newaxis].astype(np.float32)).permute(0, 4, 1, 2, 3)
        kp_source = detector(source)
        kp_driving_initial = detector(driving[:, :, 0])
        for frame_idx in range(driving.shape[2]):
            kp_driving = detector(driving[:, :, frame_idx])
            kp_norm = normalize_kp(kp_source=kp_source, kp_driving=kp_driving, kp_driving_initial=kp_driving_initial,
                                   use_relative_movement=True, use_relative_jacobian=True, adapt_movement_scale=True)
            out = generator(source, kp_source=kp_source, kp_driving=kp_norm)
            predictions.append(np.transpose(out["prediction"].data.cpu().numpy(), [0, 2, 3, 1])[0])
    seconds = time.perf_counter() - start
    np.save("/tmp/first_order_speed_official.npy", np.stack(predictions[:4]))
    return {"seconds_per_frame": seconds / frames, "fps": frames / seconds, "peak_rss_mb": _peak_mb()}


def case_motionkit_animate(official: Path, frames: int, precision: str) -> dict:
    import numpy as np

    from motionkit_first_order import Animator

    _, _, method = _models(official)
    animator = Animator(method, relative=True, adapt_scale=True, precision=precision, size=SIZE)
    kept = []
    start = time.perf_counter()
    for index, frame in enumerate(animator.animate(_frame(0), (_frame(i) for i in range(frames)))):
        if index < 4:
            kept.append(frame.permute(1, 2, 0).numpy())
    seconds = time.perf_counter() - start
    np.save(f"/tmp/first_order_speed_motionkit_{precision}.npy", np.stack(kept))
    return {"seconds_per_frame": seconds / frames, "fps": frames / seconds, "peak_rss_mb": _peak_mb()}


def _official_training_modules(official: Path):
    """Official generator, detector, discriminator and GeneratorFullModel (with its VGG19), seeded."""
    import torch

    OfficialGenerator, OfficialDetector, GeneratorFullModel, _ = _import_official(official)
    from modules.discriminator import MultiScaleDiscriminator

    config = _vox_config(official)
    params = config["model_params"]
    torch.manual_seed(SEED)
    generator = OfficialGenerator(**params["generator_params"], **params["common_params"])
    detector = OfficialDetector(**params["kp_detector_params"], **params["common_params"])
    discriminator = MultiScaleDiscriminator(**params["discriminator_params"], **params["common_params"])
    full = GeneratorFullModel(detector, generator, discriminator, config["train_params"])
    return generator, detector, full


def case_train(official: Path, implementation: str, precision: str, steps: int) -> dict:
    import contextlib
    import gc

    import torch

    from motionkit.training import OptimizerConfig
    from motionkit_first_order import FirstOrder
    from motionkit_first_order.official import official_config_params

    batch = {"source": torch.stack([_frame(0), _frame(10)]), "driving": torch.stack([_frame(5), _frame(20)])}
    autocast = torch.autocast("cpu", dtype=torch.bfloat16) if precision == "bf16" else contextlib.nullcontext()
    generator, detector, full = _official_training_modules(official)
    if implementation == "official":
        parameters = list(generator.parameters()) + list(detector.parameters())

        def step():
            losses, _ = full(batch)
            return sum(v.mean() for v in losses.values())
    else:  # the same weights: networks and VGG19 copied from the official objects, which are then dropped
        method_params = official_config_params(official / "config" / "vox-256.yaml")
        method_params["loss_params"]["vgg19_weights"] = "random"
        method = FirstOrder(**method_params).train()
        method.generator.load_state_dict(generator.state_dict())
        method.kp_detector.load_state_dict(detector.state_dict())
        vgg = {f"{key.split('.', 1)[1]}": value for key, value in full.vgg.state_dict().items() if key.startswith("slice")}
        method._perceptual(batch["source"]).vgg.features.load_state_dict(vgg)
        del generator, detector, full
        gc.collect()
        parameters = list(method.generator.parameters()) + list(method.kp_detector.parameters())

        def step():
            return sum(method.generator_step(batch).losses.values())
    if implementation == "official":  # the official train.py's optimizer
        optimizer = torch.optim.Adam(parameters, lr=2e-4, betas=(0.5, 0.999))
    else:  # what `motionkit train` builds from the same settings (fused Adam where torch has it)
        optimizer = OptimizerConfig(lr=2e-4, betas=(0.5, 0.999)).build(parameters)
    times, losses = [], []
    for index in range(steps + 1):  # the first step warms up
        torch.manual_seed(index)  # same random TPS in both implementations
        start = time.perf_counter()
        with autocast:
            loss = step()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if index:
            times.append(time.perf_counter() - start)
        losses.append(float(loss.detach()))
    return {"seconds_per_step": sum(times) / len(times), "steps_per_second": len(times) / sum(times),
            "losses": losses, "peak_rss_mb": _peak_mb()}


def parity_check(official: Path, fixture: Path) -> dict:
    """Official modules vs motionkit's (plain, not the Animator's rewrites) on the parity fixture's checkpoint
    and inputs, on this machine: max |difference| over every output of the official demo loop."""
    import torch
    from safetensors.torch import load_file

    from motionkit.ops import transfer_relative_motion
    from motionkit_first_order import FirstOrder
    import motionkit as mk

    OfficialGenerator, OfficialDetector, _, normalize_kp = _import_official(official)
    from modules.discriminator import MultiScaleDiscriminator

    import yaml

    params = yaml.safe_load((fixture / "config.yaml").read_text())["model_params"]
    state = torch.load(fixture / "checkpoint.pth.tar", map_location="cpu", weights_only=True)
    generator = OfficialGenerator(**params["generator_params"], **params["common_params"]).eval()
    detector = OfficialDetector(**params["kp_detector_params"], **params["common_params"]).eval()
    discriminator = MultiScaleDiscriminator(**params["discriminator_params"], **params["common_params"]).eval()
    for module, section in ((generator, "generator"), (detector, "kp_detector"), (discriminator, "discriminator")):
        module.load_state_dict(state[section])
    method = FirstOrder.from_official(fixture / "checkpoint.pth.tar", fixture / "config.yaml")
    cases = load_file(str(fixture / "cases.safetensors"))
    worst: dict[str, float] = {}

    def compare(name: str, a: torch.Tensor, b: torch.Tensor) -> None:
        worst[name] = max(worst.get(name, 0.0), float((a - b).abs().max()))

    with torch.no_grad():
        source, driving = cases["source"], cases["driving"]
        kp_s, okp_s = method.kp_detector(source), detector(source)
        kp_0, okp_0 = method.kp_detector(driving[:1]), detector(driving[:1])
        for t in range(driving.shape[0]):
            kp_d, okp_d = method.kp_detector(driving[t : t + 1]), detector(driving[t : t + 1])
            compare("keypoints", kp_d.value, okp_d["value"])
            compare("jacobians", kp_d.jacobian, okp_d["jacobian"])
            ours, theirs = method.generator(source, kp_s, kp_d), generator(source, kp_source=okp_s, kp_driving=okp_d)
            for key in theirs:
                compare(key, ours[key], theirs[key])
            value, jacobian = transfer_relative_motion(
                kp_s.value, kp_d.value, kp_0.value, adapt_movement_scale=True, source_jacobians=kp_s.jacobian,
                driving_jacobians=kp_d.jacobian, initial_driving_jacobians=kp_0.jacobian)
            normalized = normalize_kp(okp_s, okp_d, okp_0, adapt_movement_scale=True, use_relative_movement=True,
                                      use_relative_jacobian=True)
            compare("relative keypoints", value, normalized["value"])
            compare("relative jacobians", jacobian, normalized["jacobian"])
            ours = method.generator(source, kp_s, mk.Keypoints(value, jacobian))
            compare("relative prediction", ours["prediction"], generator(source, kp_source=okp_s, kp_driving=normalized)["prediction"])
        ours, theirs = method.discriminator(source)[0], discriminator({"prediction_1": source})
        compare("discriminator logits", ours.logits, theirs["prediction_map_1"])
        for a, b in zip(ours.features, theirs["feature_maps_1"]):
            compare("discriminator features", a, b)
    return {"max_abs_diff": worst, "bit_exact": all(v == 0 for v in worst.values())}


def _run_case(args: argparse.Namespace, *case: str) -> dict:
    command = [sys.executable, __file__, "--official", str(args.official), "--threads", str(args.threads),
               "--case", *case]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"case {case} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--official", type=Path, required=True, help="checkout of the official first-order-model")
    parser.add_argument("--frames", type=int, nargs="+", default=[32, 1024], help="driving video lengths")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--train-steps", type=int, default=3, help="timed training steps (0: skip)")
    parser.add_argument("--only-train", action="store_true", help="skip the animation cases")
    parser.add_argument("--skip-official-long", action="store_true",
                        help="run the official loop only at the shortest length (its memory grows with length)")
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--parity-fixture", type=Path,
                        help="only compare the plain networks with the official ones on this parity folder "
                             "(shared/parity/first_order) and exit")
    parser.add_argument("--case", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    if args.parity_fixture:
        print(json.dumps(parity_check(args.official, args.parity_fixture), indent=2))
        return
    if args.case:
        name, *rest = args.case
        if name == "official":
            result = case_official_animate(args.official, int(rest[0]))
        elif name == "motionkit":
            result = case_motionkit_animate(args.official, int(rest[0]), rest[1])
        else:
            result = case_train(args.official, rest[0], rest[1], int(rest[2]))
        print(json.dumps(result))
        return

    import numpy as np

    report: dict = {"threads": args.threads, "size": SIZE, "torch": torch.__version__, "animate": {}, "train": {}}
    shortest = min(args.frames)
    for frames in [] if args.only_train else args.frames:
        row = {}
        if frames == shortest or not args.skip_official_long:
            row["official"] = _run_case(args, "official", str(frames))
        row["motionkit_fp32"] = _run_case(args, "motionkit", str(frames), "fp32")
        row["motionkit_bf16"] = _run_case(args, "motionkit", str(frames), "bf16")
        if "official" in row:
            for key in ("motionkit_fp32", "motionkit_bf16"):
                row[f"speedup_{key}"] = row[key]["fps"] / row["official"]["fps"]
        report["animate"][frames] = row
        print(json.dumps({frames: row}), flush=True)
        if frames == shortest:
            official = np.load("/tmp/first_order_speed_official.npy")
            exact = np.load("/tmp/first_order_speed_motionkit_fp32.npy")
            fast = np.load("/tmp/first_order_speed_motionkit_bf16.npy")
            report["max_abs_diff_fp32_vs_official"] = float(np.abs(exact - official).max())
            report["psnr_bf16_vs_fp32_db"] = float(10 * np.log10(1 / np.mean((fast - exact) ** 2)))
    lengths = sorted(report["animate"])
    if len(lengths) > 1:
        for key in ("official", "motionkit_fp32", "motionkit_bf16"):
            rows = [report["animate"][n].get(key) for n in (lengths[0], lengths[-1])]
            if all(rows):
                report[f"memory_ratio_{key}_{lengths[-1]}_vs_{lengths[0]}"] = rows[1]["peak_rss_mb"] / rows[0]["peak_rss_mb"]
    if args.train_steps:
        for implementation, precision in (("official", "fp32"), ("motionkit", "fp32"), ("motionkit", "bf16")):
            report["train"][f"{implementation}_{precision}"] = _run_case(
                args, "train", implementation, precision, str(args.train_steps))
        base = report["train"]["official_fp32"]["steps_per_second"]
        for key in ("motionkit_fp32", "motionkit_bf16"):
            report["train"][f"speedup_{key}"] = report["train"][key]["steps_per_second"] / base
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
