"""vid2vid vs frame-by-frame pix2pixHD on the `scenes` synthetic dataset, same CPU budget (the paper's claim
in miniature: sequential generation with flow warping is temporally more consistent than generating every
frame on its own, at similar per-frame quality).

Both models learn label + instance maps -> frames at 64x64 from the same pool of training clips, each for
the same budget of **process CPU seconds** (steady on a shared machine; the default, 1200 s, is 10 minutes
of both cores), with the same discriminator (conditional multi-scale PatchGAN), GAN + feature-matching
losses and a pixel L1 term standing in for the VGG loss (its ImageNet weights are a download). vid2vid adds
its own terms (video discriminator, flow and warp losses, mask regulariser, sequence recurrence).

Evaluation on held-out clips (another seed): both models generate frames 2..T-1 (vid2vid is given the real
frames 0 and 1 as its first previous frames, as in its training; pix2pixHD generates every frame alone);

* temporal warping error: mean over pixels visible in both frames of |x_t - warp(x_{t-1}, w_t)| with the
  dataset's ground-truth backward flow w_t (the same for the real frames, the floor);
* per-frame L1 to the real frame.

Images in [0, 1]. Run:  python benchmarks/vid2vid_quality.py --budget 1200 --out results.json
(``--parallel`` trains both at once in two processes with one thread each.)
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import tempfile
import time
from pathlib import Path

import torch

from motionkit.data import ScenesDataset
from motionkit.losses import FeatureMatchingLoss, GANLoss, L1Loss
from motionkit.nn import MultiscalePatchDiscriminator, Pix2PixHDGenerator, pix2pixhd_condition
from motionkit.ops.warp import warp
from motionkit_vid2vid.method import Vid2Vid
from motionkit_vid2vid.pipeline import Vid2VidPipeline

SIZE = 64
CLIP = 6
LAMBDA_L1 = 10.0
VID2VID = dict(
    generator=dict(frame_channels=7, n_frames=3, ngf=32, n_downsample=3, n_blocks=4, n_scales=1),
    condition=dict(kind="labels", num_classes=6, use_instance=True),
    ndf=32, num_D=2, n_frames_D=3, temporal_scales=1, lambda_vgg=0.0, lambda_l1=LAMBDA_L1,
    initial_frames=4, max_frames=CLIP,
)
PIX2PIXHD = dict(net="global", condition_channels=7, ngf=32, n_downsample_global=3, n_blocks_global=9)


def training_pool(count: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """``count`` training clips stacked: frames, labels, instances, flow, visible."""
    dataset = ScenesDataset(height=SIZE, width=SIZE, num_frames=CLIP, length=count, seed=seed)
    items = [dataset[i] for i in range(count)]
    return {k: torch.stack([item[k] for item in items]) for k in items[0]}


def _batch(pool: dict[str, torch.Tensor], generator: torch.Generator, size: int) -> dict[str, torch.Tensor]:
    index = torch.randint(0, pool["frames"].shape[0], (size,), generator=generator)
    return {k: v[index] for k, v in pool.items()}


def train_vid2vid(pool, budget: float, batch_size: int, seed: int) -> tuple[Vid2Vid, dict]:
    torch.manual_seed(seed)
    method = Vid2Vid(**VID2VID)
    groups = method.parameter_groups()
    opt_g = torch.optim.Adam(groups["generator"], lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(groups["discriminator"], lr=2e-4, betas=(0.5, 0.999))
    rng = torch.Generator().manual_seed(seed)
    start, steps = time.process_time(), 0
    while time.process_time() - start < budget:
        # the official schedule: sequences grow over training (progress measured in budget spent)
        method.set_training_progress(int(1000 * (time.process_time() - start) / budget), 1000)
        batch = _batch(pool, rng, batch_size)
        out = method.generator_step(batch)
        opt_g.zero_grad(set_to_none=True)
        sum(out.losses.values()).backward()
        opt_g.step()
        d_losses = method.discriminator_step(batch, {k: v.detach() for k, v in out.outputs.items()})
        opt_d.zero_grad(set_to_none=True)
        sum(d_losses.values()).backward()
        opt_d.step()
        steps += 1
    return method, {"steps": steps, "cpu_seconds": round(time.process_time() - start, 1)}


def train_pix2pixhd(pool, budget: float, batch_size: int, seed: int) -> tuple[Pix2PixHDGenerator, dict]:
    torch.manual_seed(seed)
    generator = Pix2PixHDGenerator(**PIX2PIXHD)
    discriminator = MultiscalePatchDiscriminator(channels=3, condition_channels=7, ndf=32, n_layers=3, num_scales=2)
    gan, fm, l1 = GANLoss(mode="lsgan"), FeatureMatchingLoss(), L1Loss()
    opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    rng = torch.Generator().manual_seed(seed)
    start, steps = time.process_time(), 0
    # as many frames per step as vid2vid generates on average (its clips minus the 2 given frames)
    frames_per_step = batch_size * (CLIP - 2)
    while time.process_time() - start < budget:
        batch = _batch(pool, rng, frames_per_step)
        t = torch.randint(0, CLIP, (frames_per_step,), generator=rng)
        rows = torch.arange(frames_per_step)
        labels, instances = batch["labels"][rows, t], batch["instances"][rows, t]
        real = batch["frames"][rows, t] * 2 - 1
        condition = pix2pixhd_condition(labels, instances, 6)
        fake = generator(condition)["prediction_signed"]
        real_out = discriminator(real, condition)
        fake_out = discriminator(fake, condition)
        loss_g = gan(fake_out, True, for_discriminator=False) + 10 * fm(fake_out, real_out) + LAMBDA_L1 * l1(fake, real)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        loss_d = 0.5 * (gan(discriminator(real, condition), True) + gan(discriminator(fake.detach(), condition), False))
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        steps += 1
    return generator, {"steps": steps, "cpu_seconds": round(time.process_time() - start, 1)}


def temporal_error(video: torch.Tensor, flow: torch.Tensor, visible: torch.Tensor) -> float:
    """Mean |x_t - warp(x_{t-1}, w_t)| over visible pixels; video (T, 3, H, W), flow (T-1, 2, H, W)."""
    warped = warp(video[:-1], flow, align_corners=False, padding_mode="border")
    error = (video[1:] - warped).abs().mean(1, keepdim=True)
    return float((error * visible).sum() / visible.sum().clamp_min(1))


@torch.no_grad()
def evaluate(vid2vid: Vid2Vid, pix2pixhd: Pix2PixHDGenerator, clips: int, length: int, modes: list[str]) -> dict:
    dataset = ScenesDataset(height=SIZE, width=SIZE, num_frames=length, length=clips, seed=1)
    pix2pixhd.eval()
    names = ["real", "pix2pixhd"] + [f"vid2vid_{m}" for m in modes]
    sums = {n: {"temporal_error": 0.0, "l1": 0.0} for n in names}
    first = vid2vid.config.generator.n_frames - 1
    for index in range(clips):
        item = dataset[index]
        frames, flow, visible = item["frames"], item["flow"], item["visible"]
        condition = pix2pixhd_condition(item["labels"], item["instances"], 6)
        videos = {"real": frames, "pix2pixhd": pix2pixhd(condition)["prediction"].clamp(0, 1)}
        encoded = vid2vid.condition({"labels": item["labels"][None], "instances": item["instances"][None]})[0]
        for mode in modes:
            pipe = Vid2VidPipeline(vid2vid.generator, mode=mode)
            pipe.reset(frames[None, :first])
            out = []
            for t in range(length):
                out += pipe.push(encoded[t][None])
            videos[f"vid2vid_{mode}"] = torch.cat(out)
        for name, video in videos.items():
            generated = video[first:]
            sums[name]["temporal_error"] += temporal_error(generated, flow[first:], visible[first:])
            sums[name]["l1"] += float((generated - frames[first:]).abs().mean())
    return {n: {k: round(v / clips, 5) for k, v in s.items()} for n, s in sums.items()}


def _train_one(which: str, pool, budget: float, batch_size: int, seed: int, folder: str, queue) -> None:
    torch.set_num_threads(1)
    model, info = (train_vid2vid if which == "vid2vid" else train_pix2pixhd)(pool, budget, batch_size, seed)
    path = Path(folder) / f"{which}.pt"
    torch.save(model.state_dict(), path)
    queue.put((which, str(path), info))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", type=float, default=1200.0, help="process CPU seconds per method")
    parser.add_argument("--pool", type=int, default=192, help="training clips generated up front")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--clips", type=int, default=16, help="held-out evaluation clips")
    parser.add_argument("--length", type=int, default=12, help="frames per evaluation clip")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--parallel", action="store_true", help="train both at once, one thread each")
    parser.add_argument("--out", help="write the results (JSON) here")
    args = parser.parse_args()

    pool = training_pool(args.pool)
    trained, infos = {}, {}
    if args.parallel:
        context = mp.get_context("fork")
        queue = context.SimpleQueue()
        with tempfile.TemporaryDirectory() as folder:
            procs = [context.Process(target=_train_one, args=(w, pool, args.budget, args.batch_size, args.seed,
                                                               folder, queue))
                     for w in ("vid2vid", "pix2pixhd")]
            for p in procs:
                p.start()
            for _ in procs:
                which, path, info = queue.get()
                trained[which], infos[which] = torch.load(path, weights_only=True), info
            for p in procs:
                p.join()
        vid2vid, pix2pixhd = Vid2Vid(**VID2VID), Pix2PixHDGenerator(**PIX2PIXHD)
        vid2vid.load_state_dict(trained["vid2vid"])
        pix2pixhd.load_state_dict(trained["pix2pixhd"])
    else:
        vid2vid, infos["vid2vid"] = train_vid2vid(pool, args.budget, args.batch_size, args.seed)
        pix2pixhd, infos["pix2pixhd"] = train_pix2pixhd(pool, args.budget, args.batch_size, args.seed)
    metrics = evaluate(vid2vid, pix2pixhd, args.clips, args.length, ["official", "eval"])
    result = {"budget_cpu_seconds": args.budget, "training": infos, "metrics": metrics}
    best = min((m for m in metrics if m.startswith("vid2vid")), key=lambda m: metrics[m]["temporal_error"])
    base = metrics["pix2pixhd"]
    result["vid2vid_vs_pix2pixhd"] = {
        "vid2vid_mode": best,
        "temporal_error_reduction": round(1 - metrics[best]["temporal_error"] / base["temporal_error"], 3),
        "l1_change": round(metrics[best]["l1"] / base["l1"] - 1, 3),
    }
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
