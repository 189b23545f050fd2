"""The ``motionkit`` command line (also ``python -m motionkit``, so ``torchrun -m motionkit`` works).

Core verbs live here or in the module named in :data:`CORE_VERBS`; plugins add verbs through the
``register_commands`` hook. Errors print one line to stderr (a traceback only with ``--debug``).
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Callable, Optional

from .errors import MotionkitError

#: verbs implemented by core modules exposing ``add_arguments(parser)`` and ``run(args)``
CORE_VERBS: dict[str, tuple[str, str]] = {
    "plugins": ("motionkit.cli", "list plugins with version, status, error and components"),
    "components": ("motionkit.cli", "list registered components"),
    "schema": ("motionkit.cli", "print the JSON schema of a component's config"),
    "configs": ("motionkit.cli", "list built-in training configs"),
    "convert": ("motionkit.cli", "convert an official checkpoint to motionkit's format"),
    "train": ("motionkit.training.cli", "train a method from a config"),
    "evaluate": ("motionkit.metrics.cli", "compute metrics between generated and reference videos"),
    "prepare": ("motionkit.prepare", "turn raw videos into a dataset folder"),
    "demo": ("motionkit.demo.cli", "train each installed method briefly and write an HTML gallery"),
}


# -- core verbs defined here -------------------------------------------------------------------------
def _plugins_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--all", action="store_true", help="include motionkit's built-in components")


def _plugins_run(args: argparse.Namespace) -> int:
    from .plugins import get_registry

    infos = [p for p in get_registry().plugins.values() if args.all or not p.builtin]
    if args.json:
        print(json.dumps([p.as_dict() for p in infos], indent=2))
        return 0
    if not infos:
        print("no plugins installed (pip install a motionkit plugin, e.g. plugins/motionkit-first-order)")
    for p in infos:
        print(f"{p.name} {p.version} [{p.status}]" + (f" {p.error}" if p.error else ""))
        for item in p.components + [f"command:{c}" for c in p.commands] + [f"demo:{d}" for d in p.demo_sections]:
            print(f"  {item}")
    return 0


def _components_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kind", help="only this kind (representation, generator, discriminator, loss, ...)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def _components_run(args: argparse.Namespace) -> int:
    from .interfaces import KIND_BASES
    from .plugins import get_registry

    registry = get_registry()
    if args.kind and args.kind not in KIND_BASES:
        raise MotionkitError(f"--kind {args.kind}: unknown kind; kinds are: {', '.join(KIND_BASES)}")
    entries = [e for (k, _), e in sorted(registry.entries.items()) if not args.kind or k == args.kind]
    if args.json:
        print(json.dumps([{"kind": e.kind, "name": e.name, "plugin": e.plugin, "summary": e.summary} for e in entries], indent=2))
    else:
        for e in entries:
            print(f"{e.kind:<15} {e.name:<40} {e.plugin:<28} {e.summary}")
    return 0


def _schema_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", help="component kind")
    parser.add_argument("name", help="component name")


def _schema_run(args: argparse.Namespace) -> int:
    from .plugins import get_registry

    cls = get_registry().get(args.kind, args.name)
    print(json.dumps(cls.Config.model_json_schema(), indent=2))
    return 0


def _configs_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")


def _configs_run(args: argparse.Namespace) -> int:
    from .configfile import builtin_configs

    configs = builtin_configs()
    if args.json:
        print(json.dumps({k: str(v) for k, v in configs.items()}, indent=2))
    else:
        for name, path in configs.items():
            print(f"{name:<32} {path}")
    return 0


def _convert_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--method", required=True, help="method name, e.g. first-order")
    parser.add_argument("--checkpoint", required=True, help="official checkpoint file")
    parser.add_argument("--config", help="official config file that goes with the checkpoint")
    parser.add_argument("--out", required=True, help="output .safetensors file")


def _convert_run(args: argparse.Namespace) -> int:
    from .checkpoint import save_method
    from .plugins import get_registry

    out = Path(args.out)
    if out.suffix != ".safetensors":
        raise MotionkitError(f"--out {out}: motionkit checkpoints end in .safetensors")
    cls = get_registry().get("method", args.method)
    method = cls.from_official(Path(args.checkpoint), Path(args.config) if args.config else None)
    save_method(method, out, extra={"converted_from": Path(args.checkpoint).name})
    print(f"wrote {out}")
    return 0


_LOCAL: dict[str, tuple[Callable, Callable]] = {
    "plugins": (_plugins_arguments, _plugins_run),
    "components": (_components_arguments, _components_run),
    "schema": (_schema_arguments, _schema_run),
    "configs": (_configs_arguments, _configs_run),
    "convert": (_convert_arguments, _convert_run),
}


# -- dispatch ------------------------------------------------------------------------------------------
def _usage() -> str:
    from .plugins import get_registry

    lines = ["usage: motionkit [--debug] VERB [options]  (motionkit VERB --help for a verb's options)", "", "verbs:"]
    for verb, (_, help_) in CORE_VERBS.items():
        lines.append(f"  {verb:<12} {help_}")
    by_verb: dict[str, list] = {}
    for command in get_registry().commands:
        by_verb.setdefault(command.verb, []).append(command)
    for verb, commands in sorted(by_verb.items()):
        methods = [c.method for c in commands if c.method]
        suffix = f" (--method {' | '.join(methods)})" if methods else ""
        lines.append(f"  {verb:<12} {commands[0].help}{suffix}")
    return "\n".join(lines)


def _core_parser(verb: str) -> tuple[argparse.ArgumentParser, Callable]:
    parser = argparse.ArgumentParser(prog=f"motionkit {verb}", description=CORE_VERBS[verb][1])
    if verb in _LOCAL:
        add, run = _LOCAL[verb]
    else:
        module = importlib.import_module(CORE_VERBS[verb][0])
        add, run = module.add_arguments, module.run
    add(parser)
    return parser, run


def _plugin_parser(verb: str, rest: list[str]) -> tuple[argparse.ArgumentParser, Callable]:
    from .plugins import get_registry

    commands = [c for c in get_registry().commands if c.verb == verb]
    if not commands:
        raise MotionkitError(f"unknown verb '{verb}'\n{_usage()}")
    methods = [c.method for c in commands if c.method]
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--method")
    known, _ = pre.parse_known_args(rest)
    if known.method is None and len(commands) == 1:
        command = commands[0]
    elif known.method is None:
        if any(a in ("-h", "--help") for a in rest):
            print(f"usage: motionkit {verb} --method {{{','.join(methods)}}} ...")
            raise SystemExit(0)
        raise MotionkitError(f"motionkit {verb}: --method is required (one of: {', '.join(methods)})")
    else:
        matches = [c for c in commands if c.method == known.method]
        if not matches:
            raise MotionkitError(
                f"motionkit {verb}: no method '{known.method}' provides this verb (available: {', '.join(methods)})"
            )
        command = matches[0]
    parser = argparse.ArgumentParser(prog=f"motionkit {verb}", description=command.help)
    if command.method:
        parser.add_argument("--method", choices=methods, default=command.method, help="method to run")
    command.add_arguments(parser)
    return parser, command.run


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point of the ``motionkit`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    try:
        if not argv or argv[0] in ("-h", "--help"):
            print(_usage())
            return 0 if argv else 2
        verb, rest = argv[0], argv[1:]
        parser, run = _core_parser(verb) if verb in CORE_VERBS else _plugin_parser(verb, rest)
        args = parser.parse_args(rest)
        status = run(args)
        return int(status or 0)
    except (MotionkitError, OSError, ValueError) as exc:
        if debug:
            raise
        print(f"motionkit: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("motionkit: interrupted", file=sys.stderr)
        return 130
