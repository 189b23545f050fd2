"""Running the motionkit CLI with the tiny plugin in a fresh process (subprocess engine tests)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

RUNNER = Path(__file__).resolve().parent / "run_tiny.py"


def run_subprocess(*args: str, env: dict[str, str] | None = None, check: bool = True,
                   timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``run_tiny.py ARGS`` (the motionkit CLI with the tiny plugin) in a fresh Python process."""
    full_env = {**os.environ, **(env or {})}
    result = subprocess.run([sys.executable, str(RUNNER), *args], env=full_env, capture_output=True, text=True,
                            timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"run_tiny.py {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result
