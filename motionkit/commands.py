"""Command-line verbs contributed by plugins through the ``register_commands`` hook."""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Callable, Optional


@dataclass(frozen=True)
class Command:
    """One CLI verb of one method.

    verb: the word after ``motionkit`` (``animate``, ``synthesize``, ``predict``, ``transfer``, ...).
    method: the method it belongs to (selected with ``--method``), or ``None`` for a verb of its own.
    help: one line shown in ``motionkit --help``.
    add_arguments: adds the verb's flags to its parser (``--method`` is added by the core).
    run: executes the parsed arguments; returns an exit status (``None`` means 0).
    """

    verb: str
    method: Optional[str]
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], Optional[int]]


def add_common_inference_arguments(parser: argparse.ArgumentParser, *, official_config: bool = True) -> None:
    """The flags every inference verb shares: ``--checkpoint``, ``--config``, ``--out``, ``--device``."""
    parser.add_argument("--checkpoint", required=True, help="motionkit checkpoint, or an official one with --config")
    if official_config:
        parser.add_argument("--config", help="official config (YAML) that goes with an official checkpoint")
    parser.add_argument("--out", required=True, help="output file")
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cpu, cuda, cuda:1 (default cpu)")
