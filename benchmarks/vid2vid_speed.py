"""vid2vid generator speed on CPU: motionkit vs the official code, same weights, one process.

What is measured (per frame, batch 1, the released label2city_2048 scale-0 network ``CompositeGenerator``:
108 input channels, ngf 128, 3 downsamplings, 9 residual blocks, foreground branch; at 512x256 this is the
scale-0 pass of every 2048x1024 frame):

1. FLOPs (``torch.utils.flop_counter``) and the CPU time of every convolution shape (forward hooks), to see
   where the time goes and how far each layer is from the CPU's peak;
2. seconds per frame of the official ``CompositeGenerator`` (its ``models/networks.py``, passed with
   ``--official``; run as the official test script does: train-mode BatchNorm, ``.cuda()`` made a no-op,
   ``grid_sample`` pinned to ``align_corners=True``), of motionkit's exact mode (float32, ``"official"``
   statistics) and fast mode (a bfloat16 copy with float32 norm layers), interleaved, with the max abs difference of the
   exact output and the PSNR of the fast output against it;
3. peak memory (RSS) of streaming synthesis of 32 and 512 frames (``--memory``; a small generator so that
   512 frames finish in minutes: memory must not grow with the video length).

Wall time and process CPU time are both reported; on a shared machine the CPU time is the steadier one.

    python benchmarks/vid2vid_speed.py --official /path/to/vid2vid/models/networks.py --size 256 512
    python benchmarks/vid2vid_speed.py --memory
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import math
import subprocess
import sys
import time
import types
from contextlib import contextmanager
from pathlib import Path

import torch
from torch import nn

from motionkit_vid2vid.low_precision import low_precision_copy
from motionkit_vid2vid.pipeline import inference_mode
from motionkit_vid2vid.sequence_generator import Vid2VidGenerator

LABEL2CITY_G0 = dict(frame_channels=36, n_frames=3, ngf=128, n_downsample=3, n_blocks=9, n_scales=1,
                     foreground_channels=(26,))


def _load_official_networks(path: Path):
    """Import the official ``networks.py``; its torchvision import (only for the VGG loss) is stubbed."""
    stub = types.ModuleType("torchvision")
    stub.models = types.ModuleType("torchvision.models")
    saved = {name: sys.modules.get(name) for name in ("torchvision", "torchvision.models")}
    sys.modules.update({"torchvision": stub, "torchvision.models": stub.models})
    try:
        spec = importlib.util.spec_from_file_location("official_vid2vid_networks", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        for name, value in saved.items():
            if value is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = value
    return module


@contextmanager
def _official_shim():
    """What running the official code on a CPU-only, modern torch needs (as the parity fixtures did)."""
    cuda, grid_sample = torch.Tensor.cuda, torch.nn.functional.grid_sample
    torch.Tensor.cuda = lambda self, *a, **k: self
    torch.nn.functional.grid_sample = lambda *a, **k: grid_sample(*a, **{**k, "align_corners": True})
    try:
        yield
    finally:
        torch.Tensor.cuda, torch.nn.functional.grid_sample = cuda, grid_sample


def _inputs(height: int, width: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 35, (3, height // 16, width // 16), generator=g)
    labels = torch.nn.functional.interpolate(labels[None].float(), size=(height, width), mode="nearest")[0].long()
    one_hot = torch.nn.functional.one_hot(labels, 35).permute(0, 3, 1, 2).float()
    edges = torch.zeros(3, 1, height, width)
    window = torch.cat([one_hot, edges], 1).unsqueeze(0)            # (1, 3, 36, H, W)
    # smooth previous frames (warping white noise would turn sub-pixel flow differences into large errors)
    coarse = torch.rand(2, 3, height // 16, width // 16, generator=g) * 2 - 1
    previous = torch.nn.functional.interpolate(coarse, size=(height, width), mode="bilinear", align_corners=False)
    return window, previous.unsqueeze(0)


def _timed(fn, repeats: int):
    walls, cpus, out = [], [], None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), out


def conv_profile(net: nn.Module, args: tuple) -> list[dict]:
    """Process CPU seconds and GFLOP per CPU-second of every convolution shape in one forward."""
    rows: dict[tuple, list[float]] = {}

    def pre(mod, inp):
        mod._start = time.process_time()

    def post(mod, inp, out):
        elapsed = time.process_time() - mod._start
        x = inp[0]
        k = mod.kernel_size[0] * mod.kernel_size[1]
        if isinstance(mod, nn.ConvTranspose2d):
            flops = 2 * x.shape[1] * mod.out_channels * k * x.shape[2] * x.shape[3]
        else:
            flops = 2 * out.shape[1] * x.shape[1] * k * out.shape[2] * out.shape[3]
        key = (type(mod).__name__, x.shape[1], out.shape[1], mod.kernel_size[0], mod.stride[0], tuple(out.shape[2:]))
        row = rows.setdefault(key, [0.0, 0.0, 0])
        row[0] += elapsed
        row[1] += flops
        row[2] += 1

    hooks = []
    for mod in net.modules():
        if isinstance(mod, (nn.Conv2d, nn.ConvTranspose2d)):
            hooks += [mod.register_forward_pre_hook(pre), mod.register_forward_hook(post)]
    try:
        net(*args)
    finally:
        for h in hooks:
            h.remove()
    return [
        {"layer": f"{k[0]} {k[1]}->{k[2]} k{k[3]} s{k[4]} out {k[5][0]}x{k[5][1]}", "count": c,
         "seconds": round(s, 3), "gflop": round(f / 1e9, 1), "gflop_per_s": round(f / s / 1e9, 1)}
        for k, (s, f, c) in sorted(rows.items(), key=lambda kv: -kv[1][0])
    ]


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """PSNR in dB of images in [-1, 1] (peak-to-peak 2)."""
    mse = torch.mean((a.float() - b.float()) ** 2).item()
    return float("inf") if mse == 0 else 10 * math.log10(4.0 / mse)


def speed(args) -> dict:
    torch.set_num_threads(args.threads)
    height, width = args.size
    torch.manual_seed(0)
    generator = Vid2VidGenerator(**LABEL2CITY_G0)
    ours = generator.netG0
    window, previous = _inputs(height, width)
    labels = window.reshape(1, -1, height, width)
    prev = previous.reshape(1, -1, height, width)
    mask = generator.foreground_mask(window)
    result: dict = {"size_hw": [height, width], "threads": args.threads, "repeats": args.repeats}

    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), inference_mode(generator, "official"), FlopCounterMode(display=False) as counter:
        ours(labels, prev, mask)
    result["gflop_per_frame"] = round(counter.get_total_flops() / 1e9, 1)
    result["params_million"] = round(sum(p.numel() for p in ours.parameters()) / 1e6, 1)
    with inference_mode(generator, "official"):
        result["conv_profile_motionkit"] = conv_profile(ours, (labels, prev, mask))[: args.top]

    runs = {}
    official = None
    if args.official:
        networks = _load_official_networks(Path(args.official))
        opt = types.SimpleNamespace(fp16=False)
        official = networks.CompositeGenerator(
            opt, 108, 3, 6, 128, 3, 9, True, False, networks.get_norm_layer("batch")
        )
        official.load_state_dict(ours.state_dict(), strict=True)
        official.train()  # the official test script never calls eval()

        def run_official():
            with torch.no_grad(), _official_shim():
                return official(labels, prev, mask, None, None, None, False)[0]

        runs["official"] = run_official

    def run_exact():
        with inference_mode(generator, "official"):
            return ours(labels, prev, mask).image

    fast = low_precision_copy(ours, torch.bfloat16)

    def run_fast():
        with inference_mode(fast, "official"):
            return fast(labels.bfloat16(), prev.bfloat16(), mask.bfloat16()).image.float()

    runs["motionkit_exact"] = run_exact
    runs["motionkit_fast_bf16"] = run_fast
    timings = {name: {"wall": [], "cpu": []} for name in runs}
    outputs = {}
    for _ in range(args.repeats):  # interleaved, so load changes hit every variant alike
        for name, fn in runs.items():
            wall, cpu, outputs[name] = _timed(fn, 1)
            timings[name]["wall"].append(wall)
            timings[name]["cpu"].append(cpu)
    for name, t in timings.items():
        result[name] = {"s_per_frame_wall_min": round(min(t["wall"]), 2), "s_per_frame_cpu_min": round(min(t["cpu"]), 2),
                        "wall_all": [round(v, 2) for v in t["wall"]], "cpu_all": [round(v, 2) for v in t["cpu"]]}
    exact = outputs["motionkit_exact"]
    result["fast_psnr_db_vs_exact"] = round(psnr(outputs["motionkit_fast_bf16"], exact), 2)
    if official is not None:
        result["exact_max_abs_diff_vs_official"] = float((outputs["official"] - exact).abs().max())
        base = result["official"]
        for name in ("motionkit_exact", "motionkit_fast_bf16"):
            result[name]["speedup_wall"] = round(base["s_per_frame_wall_min"] / result[name]["s_per_frame_wall_min"], 2)
            result[name]["speedup_cpu"] = round(base["s_per_frame_cpu_min"] / result[name]["s_per_frame_cpu_min"], 2)
    return result


MEMORY_CHILD = r"""
import resource, sys, torch
from motionkit_vid2vid.pipeline import Vid2VidPipeline
from motionkit_vid2vid.sequence_generator import Vid2VidGenerator
torch.manual_seed(0)
torch.set_num_threads(1)
n = int(sys.argv[1])
generator = Vid2VidGenerator(frame_channels=36, ngf=16, n_downsample=3, n_blocks=3, n_scales=2, foreground_channels=(26,))
pipe = Vid2VidPipeline(generator, mode="official")
written = 0
for t in range(n):
    condition = torch.zeros(1, 36, 256, 512)
    condition[:, (t % 5) + 20] = 1
    written += len(pipe.push(condition))
print(written, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def memory(args) -> dict:
    out = {}
    for frames in (32, 512):
        done = subprocess.run([sys.executable, "-c", MEMORY_CHILD, str(frames)], capture_output=True, text=True, check=True)
        written, rss_kb = (int(v) for v in done.stdout.split())
        out[f"{frames}_frames"] = {"frames_out": written, "peak_rss_mb": round(rss_kb / 1024, 1)}
    return {"memory_streaming_256x512_2scales": out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--official", help="path of the official vid2vid models/networks.py (compares against it)")
    parser.add_argument("--size", type=int, nargs=2, default=(256, 512), metavar=("H", "W"))
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--top", type=int, default=12, help="rows of the per-layer profile")
    parser.add_argument("--memory", action="store_true", help="measure streaming memory at 32 vs 512 frames")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    result = {}
    if not args.skip_speed:
        result.update(speed(args))
    if args.memory:
        result.update(memory(args))
    text = json.dumps(result, indent=1)
    print(text)
    if args.json:
        Path(args.json).write_text(text)


if __name__ == "__main__":
    main()
