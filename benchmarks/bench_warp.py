"""Micro-benchmark: motionkit.ops warping and sparse motions against bare ``F.grid_sample``.

For each device (CPU; CUDA when present) and size (default 256x256 and 512x512, plus 8x8,
where the work is negligible and the times show the per-call overhead), float32,
``align_corners=False``, it times:

* ``grid_sample``            bare ``F.grid_sample(image, grid)``, grid precomputed (baseline)
* ``warp_by_grid``           motionkit's checked wrapper around that same call
* ``bare flow warp``         hand-written pixel flow -> grid (identity grid precomputed) + grid_sample
* ``warp(flow)``             motionkit ``warp(image, flow)``: builds the grid from the flow, then samples
* ``sparse_motions``         K keypoint motions with jacobians ``(B, K+1, H, W, 2)``
* ``per-pixel matmul ref``   the same grids built the official first-order-model way
                             (a 2x2 matrix repeated per pixel + ``torch.matmul``), for reference
* ``sparse grid_sample``     the source warped by all K+1 motions, one bare grid_sample call
* ``sparse warp_by_grid``    the same through motionkit

Timing: the cases are interleaved over several rounds (so machine load hits them alike); each
round times a block of calls (CUDA synchronised) and the table gives the fastest and the median
round, per call. Bandwidth is the operation's minimum traffic (inputs read once, output written
once) over the fastest time. ``overhead`` compares a motionkit row with its bare baseline
(fastest times). Run from the repository root:

    python benchmarks/bench_warp.py [--batch 4] [--keypoints 10] [--rounds 15] [--threads N] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F

from motionkit.ops import coordinate_grid, flow_to_grid, invert_jacobians, sparse_motions, warp, warp_by_grid

BASELINE = {
    "warp_by_grid": "grid_sample",
    "warp(flow)": "bare flow warp",
    "sparse_motions": "per-pixel matmul ref",
    "sparse warp_by_grid": "sparse grid_sample",
}


def nbytes(*tensors: torch.Tensor) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


def build_cases(device: torch.device, size: int, batch: int, channels: int, keypoints: int):
    """``[(name, fn, bytes moved)]`` for one device and size."""
    generator = torch.Generator().manual_seed(0)
    image = torch.rand(batch, channels, size, size, generator=generator).to(device)
    flow = (4 * torch.randn(batch, 2, size, size, generator=generator)).to(device)
    grid = flow_to_grid(flow, align_corners=False).contiguous()
    identity = coordinate_grid(size, size, align_corners=False, device=device)
    half = torch.tensor([size / 2.0, size / 2.0], device=device)

    def bare_flow_warp() -> torch.Tensor:
        return F.grid_sample(image, identity + flow.permute(0, 2, 3, 1) / half, align_corners=False)

    source_kp = torch.rand(batch, keypoints, 2, generator=generator).to(device) * 1.6 - 0.8
    driving_kp = torch.rand(batch, keypoints, 2, generator=generator).to(device) * 1.6 - 0.8
    eye = torch.eye(2)
    source_jac = (eye + 0.1 * torch.randn(batch, keypoints, 2, 2, generator=generator)).to(device)
    driving_jac = (eye + 0.1 * torch.randn(batch, keypoints, 2, 2, generator=generator)).to(device)

    def motions() -> torch.Tensor:
        return sparse_motions(
            source_kp, driving_kp, (size, size), align_corners=True,
            source_jacobians=source_jac, driving_jacobians=driving_jac,
        )  # fmt: skip

    kp_grid = coordinate_grid(size, size, align_corners=True, method="arange", device=device).view(1, 1, size, size, 2)

    def per_pixel_matmul() -> torch.Tensor:
        offsets = kp_grid - driving_kp.view(batch, keypoints, 1, 1, 2)
        jac = torch.matmul(source_jac, invert_jacobians(driving_jac)).view(batch, keypoints, 1, 1, 2, 2)
        jac = jac.repeat(1, 1, size, size, 1, 1)
        moved = torch.matmul(jac, offsets.unsqueeze(-1)).squeeze(-1) + source_kp.view(batch, keypoints, 1, 1, 2)
        return torch.cat([kp_grid.repeat(batch, 1, 1, 1, 1), moved], dim=1)

    count = keypoints + 1
    grids = motions()
    assert torch.allclose(grids, per_pixel_matmul(), atol=1e-6)
    repeated = image.unsqueeze(1).expand(batch, count, channels, size, size).reshape(-1, channels, size, size)
    flat = grids.reshape(batch * count, size, size, 2)
    return [
        ("grid_sample", lambda: F.grid_sample(image, grid, align_corners=False), nbytes(image, grid, image)),
        ("warp_by_grid", lambda: warp_by_grid(image, grid, align_corners=False), nbytes(image, grid, image)),
        ("bare flow warp", bare_flow_warp, nbytes(image, flow, image)),
        ("warp(flow)", lambda: warp(image, flow, align_corners=False), nbytes(image, flow, image)),
        ("sparse_motions", motions, nbytes(grids)),
        ("per-pixel matmul ref", per_pixel_matmul, nbytes(grids)),
        ("sparse grid_sample", lambda: F.grid_sample(repeated, flat, align_corners=False),
         nbytes(repeated, flat, repeated)),
        ("sparse warp_by_grid", lambda: warp_by_grid(repeated, flat, align_corners=False),
         nbytes(repeated, flat, repeated)),
    ]  # fmt: skip


def time_cases(cases, device: torch.device, rounds: int, block_seconds: float) -> dict[str, list[float]]:
    """Per-call seconds of each case in each round, the cases interleaved within every round."""
    sync: Callable[[], None] = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    calls = {}
    for name, fn, _ in cases:  # warm up, then size blocks to about block_seconds
        fn()
        sync()
        start = time.perf_counter()
        fn()
        sync()
        calls[name] = max(1, int(block_seconds / max(time.perf_counter() - start, 1e-6)))
    times: dict[str, list[float]] = {name: [] for name, _, _ in cases}
    for _ in range(rounds):
        for name, fn, _ in cases:
            sync()
            start = time.perf_counter()
            for _ in range(calls[name]):
                fn()
            sync()
            times[name].append((time.perf_counter() - start) / calls[name])
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--keypoints", type=int, default=10)
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 256, 512])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--block-seconds", type=float, default=0.05, help="time per block of calls")
    parser.add_argument("--threads", type=int, help="CPU threads for torch (default: torch's choice)")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    gpu = f", {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, {platform.machine()}{gpu}")
    print(f"batch {args.batch}, channels {args.channels}, keypoints {args.keypoints}, float32, {args.rounds} rounds")
    rows = []
    for device in devices:
        for size in args.sizes:
            cases = build_cases(device, size, args.batch, args.channels, args.keypoints)
            times = time_cases(cases, device, args.rounds, args.block_seconds)
            fastest = {name: min(values) for name, values in times.items()}
            for name, _, moved in cases:
                base = BASELINE.get(name)
                rows.append(
                    {
                        "device": device.type,
                        "size": size,
                        "case": name,
                        "min_ms": fastest[name] * 1e3,
                        "median_ms": statistics.median(times[name]) * 1e3,
                        "GB_per_s": moved / fastest[name] / 1e9,
                        "overhead_vs": base,
                        "overhead_pct": (fastest[name] / fastest[base] - 1) * 100 if base else None,
                    }
                )
    print(f"{'device':6} {'size':>4} {'case':21} {'min ms':>9} {'median ms':>10} {'GB/s':>7}  overhead")
    for row in rows:
        overhead = f"{row['overhead_pct']:+6.1f}% vs {row['overhead_vs']}" if row["overhead_vs"] else ""
        print(
            f"{row['device']:6} {row['size']:4d} {row['case']:21} {row['min_ms']:9.3f} {row['median_ms']:10.3f} "
            f"{row['GB_per_s']:7.2f}  {overhead}"
        )
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows, handle, indent=1)


if __name__ == "__main__":
    main()
