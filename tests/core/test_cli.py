"""The command line: listing verbs, errors without tracebacks, python -m."""
from __future__ import annotations

import json
import subprocess
import sys


def run(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "motionkit", *args], capture_output=True, text=True, **kwargs)


def test_help_lists_core_and_plugin_verbs():
    result = run("--help")
    assert result.returncode == 0
    for verb in ("plugins", "components", "schema", "configs", "train", "convert", "demo"):
        assert f"  {verb} " in result.stdout
    assert "animate" in result.stdout and "affine" in result.stdout


def test_plugins_json_lists_components_and_status():
    plugins = {p["name"]: p for p in json.loads(run("plugins", "--json", check=True).stdout)}
    assert plugins["motionkit-affine"]["status"] == "ok"
    assert "generator:affine.warp" in plugins["motionkit-affine"]["components"]
    assert "motionkit.builtins" not in plugins
    assert "motionkit.builtins" in {p["name"] for p in json.loads(run("plugins", "--json", "--all", check=True).stdout)}


def test_components_and_configs():
    rows = json.loads(run("components", "--kind", "method", "--json", check=True).stdout)
    assert {"kind": "method", "name": "affine", "plugin": "motionkit-affine",
            "summary": "Animate a source image by one global affine motion per driving frame."} in rows
    assert "affine/sprites" in json.loads(run("configs", "--json", check=True).stdout)


def test_errors_are_one_line_without_traceback_unless_debug():
    result = run("schema", "generator", "affine.wrap")
    assert result.returncode == 1
    assert result.stderr.startswith("motionkit: error: no generator named 'affine.wrap'; did you mean 'affine.warp'?")
    assert "Traceback" not in result.stderr
    debug = run("--debug", "schema", "generator", "affine.wrap")
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_unknown_verb_and_missing_method():
    result = run("frobnicate")
    assert result.returncode == 1 and "unknown verb 'frobnicate'" in result.stderr
    result = run("convert", "--method", "affine", "--checkpoint", "x.pth", "--out", "y.bin")
    assert result.returncode == 1 and "motionkit checkpoints end in .safetensors" in result.stderr
