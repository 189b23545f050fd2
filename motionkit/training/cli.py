"""``motionkit train CONFIG [--set key=value ...] [--out DIR] [--steps N] [--checkpoint-every N] [--resume]``.

Multi-process: ``torchrun --nproc_per_node N -m motionkit train CONFIG ...`` (see docs/training.md).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from .run import train


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``motionkit train``."""
    parser.add_argument("config", help="config file (YAML/JSON) or built-in config name (motionkit configs)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config value, e.g. --set train.batch_size=4 (repeatable)")
    parser.add_argument("--out", type=Path, help="run folder (default: runs/<config name>)")
    parser.add_argument("--steps", type=int, help="shorthand for --set train.steps=N")
    parser.add_argument("--checkpoint-every", type=int, help="shorthand for --set train.checkpoint_every=N")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out from its newest checkpoint")
    parser.add_argument("--device", help="cpu, cuda, cuda:1, ... (default: this process's GPU if any, else cpu)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def run(args: argparse.Namespace) -> int:
    """Run ``motionkit train``; prints the final weights file."""
    overrides = list(args.overrides)
    if args.steps is not None:
        overrides.append(f"train.steps={args.steps}")
    if args.checkpoint_every is not None:
        overrides.append(f"train.checkpoint_every={args.checkpoint_every}")
    final = train(args.config, overrides=overrides, out=args.out, resume=args.resume, device=args.device,
                  show_progress=not args.no_progress)
    print(f"wrote {final}")
    return 0
