"""``motionkit synthesize --method vid2vid`` end to end on tiny condition videos."""
from __future__ import annotations

import numpy as np
import torch

from motionkit.checkpoint import save_method
from motionkit.cli import main
from motionkit.io import open_video, write_image
from motionkit_vid2vid.method import Vid2Vid


def _label_folder(folder, n, height, width, classes):
    folder.mkdir()
    for t in range(n):
        labels = np.zeros((height, width, 3), np.uint8)
        labels[height // 2:] = 1
        labels[4:12, 2 + t:10 + t] = classes - 1
        write_image(folder / f"{t:03d}.png", labels)
    return folder


def test_synthesize_from_motionkit_checkpoint(tmp_path):
    torch.manual_seed(0)
    method = Vid2Vid(generator=dict(frame_channels=7, ngf=8, n_downsample=2, n_blocks=2), lambda_vgg=0.0)
    checkpoint = save_method(method, tmp_path / "v2v.safetensors")
    condition = _label_folder(tmp_path / "labels", 5, 32, 32, 6)
    out = tmp_path / "out.mp4"
    assert main(["synthesize", "--method", "vid2vid", "--checkpoint", str(checkpoint),
                 "--condition", str(condition), "--out", str(out)]) in (0, None)
    video = open_video(out)
    assert len(video) == 5 and (video.height, video.width) == (32, 32)


def test_synthesize_from_official_checkpoint(parity_root, tmp_path):
    condition = _label_folder(tmp_path / "labels", 4, 32, 64, 35)
    out = tmp_path / "out.gif"
    assert main(["synthesize", "--method", "vid2vid", "--checkpoint", str(parity_root / "street_fg"),
                 "--config", str(parity_root / "street_fg" / "options.json"),
                 "--condition", str(condition), "--out", str(out), "--fast"]) in (0, None)
    assert len(open_video(out)) == 4


def test_convert_official_then_load(parity_root, tmp_path):
    """``motionkit convert --method vid2vid`` turns official per-scale files into one motionkit checkpoint."""
    from motionkit.checkpoint import load_method

    out = tmp_path / "street.safetensors"
    assert main(["convert", "--method", "vid2vid", "--checkpoint", str(parity_root / "street_fg" / "latest_net_G0.pth"),
                 "--config", str(parity_root / "street_fg" / "options.json"), "--out", str(out)]) in (0, None)
    method = load_method(out, expected_method="vid2vid")
    official = torch.load(parity_root / "street_fg" / "latest_net_G2.pth", weights_only=True)
    assert all(torch.equal(method.generator.netG2.state_dict()[k], v) for k, v in official.items())
    assert method.config.generator.foreground_channels == (26,) and method.config.condition.num_classes == 35
