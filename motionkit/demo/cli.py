"""``motionkit demo``: train each installed method briefly on built-in data and write an HTML gallery."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from ..errors import MotionkitError
from .gallery import DEFAULT_BUDGET_S, run_gallery, select_sections


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="demo-out", help="gallery folder (default: ./demo-out)")
    parser.add_argument("--quick", action="store_true",
                        help=f"CI mode: tiny data, about {DEFAULT_BUDGET_S['quick']:.0f} s in total")
    parser.add_argument("--methods", help="comma-separated section names to run (default: all installed)")
    parser.add_argument("--budget", type=float,
                        help="total seconds for all sections (default: "
                             f"{DEFAULT_BUDGET_S['normal']:.0f}, --quick {DEFAULT_BUDGET_S['quick']:.0f})")
    parser.add_argument("--device", default="cpu", help="torch device to train on (default: cpu)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--threads", type=int,
                        help="torch CPU threads (default: torch's choice); on a machine busy with other jobs, "
                             "--threads 1 avoids thread-pool contention and trains several times faster")
    parser.add_argument("--list", action="store_true", help="list the installed sections and exit")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def run(args: argparse.Namespace) -> int:
    from ..plugins import get_registry

    sections = list(get_registry().demo_sections)
    if args.list:
        for s in sections:
            print(f"{s.name:<24} {s.title}  (share {s.share:g})")
        return 0
    names = [n.strip() for n in args.methods.split(",") if n.strip()] if args.methods else None
    selected = select_sections(sections, names)
    if args.threads is not None:
        if args.threads < 1:
            raise MotionkitError(f"--threads must be at least 1, got {args.threads}")
        torch.set_num_threads(args.threads)
    budget = args.budget if args.budget is not None else DEFAULT_BUDGET_S["quick" if args.quick else "normal"]
    if budget <= 0:
        raise MotionkitError(f"--budget must be a positive number of seconds, got {args.budget}")
    gallery = run_gallery(selected, Path(args.out), total_budget_s=budget, quick=args.quick, device=args.device,
                          seed=args.seed, show_progress=not args.no_progress)
    print(f"wrote {gallery.index} ({len(gallery.runs)} sections, {gallery.elapsed_s:.0f} s)")
    for failed in gallery.failed:
        last_line = failed.error.strip().splitlines()[-1] if failed.error else ""
        print(f"motionkit demo: section '{failed.section.name}' failed: {last_line}", file=sys.stderr)
    return 1 if gallery.failed else 0
