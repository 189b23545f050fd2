"""Compose two methods through the public API: first-order keypoints drive vid2vid's sequential generator.

    python examples/keypoints_drive_vid2vid.py [--quick] [--out examples-out/keypoints-vid2vid]

The first-order model's keypoint detector (``first-order.keypoints``) turns every frame into keypoints;
``motionkit.ops.keypoints_to_gaussians`` renders them as heatmaps, and vid2vid's generator
(``vid2vid.generator``) makes frame t from the heatmaps of frames t-1 and t and its own previous output
(it predicts a flow to warp that frame and a hallucinated image to blend in). Both networks train together
on ``sprites`` clips with an L1 loss: the only way to the next frame's pose is through the keypoints, so the
detector learns keypoints that carry the motion. Afterwards an unseen object is animated by another unseen
object's keypoints. Writes ``animation.mp4`` (source | driving | result | exact answer) and ``model.pt``.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

import motionkit as mk
from motionkit.data import SpritesDataset
from motionkit.io import write_video
from motionkit.metrics import l1
from motionkit.ops import keypoints_to_gaussians

NUM_KP = 8
SIZE = 64


class KeypointVideoGenerator(torch.nn.Module):
    """first-order keypoints -> Gaussian heatmaps -> vid2vid sequential generator (2-frame windows)."""

    def __init__(self) -> None:
        super().__init__()
        self.detector = mk.create("representation", "first-order.keypoints", num_kp=NUM_KP, estimate_jacobian=False,
                                  block_expansion=16, max_features=128, num_blocks=4, scale_factor=0.5)
        self.generator = mk.create("generator", "vid2vid.generator", frame_channels=NUM_KP, n_frames=2, ngf=16,
                                   n_downsample=2, n_blocks=2, align_corners=False)

    def heatmaps(self, frames: torch.Tensor) -> torch.Tensor:
        """``(B, T, 3, H, W)`` in [0, 1] -> keypoint heatmaps ``(B, T, K, H, W)``."""
        keypoints = self.detector(frames.flatten(0, 1)).value
        maps = keypoints_to_gaussians(keypoints, frames.shape[-2:], variance=0.01, align_corners=False)
        return maps.view(*frames.shape[:2], *maps.shape[1:])

    def forward(self, first_frame: torch.Tensor, driving: torch.Tensor) -> torch.Tensor:
        """Continue ``first_frame (B, 3, H, W)`` with the motion of ``driving (B, T, 3, H, W)`` (whose frame 0
        has the first frame's pose); returns frames 1..T-1 ``(B, T-1, 3, H, W)`` in [0, 1]."""
        maps = self.heatmaps(driving)
        previous = (first_frame * 2 - 1).unsqueeze(1)
        outputs = []
        for t in range(1, driving.shape[1]):
            result = self.generator.step(maps[:, t - 1: t + 1], [previous.detach()])[-1]
            outputs.append((result.image + 1) / 2)
            previous = result.image.unsqueeze(1)
        return torch.stack(outputs, dim=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few steps only (CI)")
    parser.add_argument("--out", type=Path, default=Path("examples-out/keypoints-vid2vid"))
    args = parser.parse_args()
    torch.manual_seed(0)
    steps, clips, clip_length, batch = (3, 2, 4, 2) if args.quick else (600, 24, 5, 4)

    data = SpritesDataset(height=SIZE, width=SIZE, num_videos=clips, frames_per_video=24)
    pool = torch.stack([data.video(i)["video"] for i in range(clips)])  # (N, 24, 3, H, W)
    model = KeypointVideoGenerator()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.5, 0.999))
    start = time.monotonic()
    for step in range(1, steps + 1):
        videos = torch.randint(0, clips, (batch,))
        first = torch.randint(0, pool.shape[1] - clip_length + 1, (batch,))
        clip = torch.stack([pool[v, f:f + clip_length] for v, f in zip(videos, first)])
        loss = (model(clip[:, 0], clip) - clip[:, 1:]).abs().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 50 == 0 or step == steps:
            print(f"step {step}/{steps}  L1 {loss.item():.4f}  {time.monotonic() - start:.0f} s", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), args.out / "model.pt")

    model.eval()
    pair = SpritesDataset(height=SIZE, width=SIZE, num_videos=2, frames_per_video=16, seed=7).cross_identity(0, 1)
    with torch.no_grad():
        result = torch.cat([pair["source"][None], model(pair["source"][None], pair["driving"][None])[0]])
    copy = pair["source"].expand_as(result)
    strip = torch.cat([copy, pair["driving"], result, pair["target"]], dim=-1)
    path = write_video(args.out / "animation.mp4", strip, fps=8)
    print(f"wrote {path}: source | driving | result | exact answer")
    print(f"L1 to the exact answer: composed model {float(l1(result, pair['target'])):.4f}, "
          f"copy the source {float(l1(copy, pair['target'])):.4f}")


if __name__ == "__main__":
    main()
