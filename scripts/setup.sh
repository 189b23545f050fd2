#!/usr/bin/env bash
# Create a virtual environment with motionkit, every method plugin under plugins/ and the tutorial plugin,
# all installed editable. Usage: bash scripts/setup.sh [VENV_DIR]   (default .venv)
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv}"
python3 -m venv "$venv"
pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
# torch is pinned here (a local CPU wheel on the project's machines); pyproject.toml declares a range.
"${pip[@]}" "torch==2.13.0"
packages=(-e ".[test]")
for plugin in plugins/*/ examples/motionkit-affine/; do
    [ -f "$plugin/pyproject.toml" ] && packages+=(-e "$plugin")
done
"${pip[@]}" "${packages[@]}"
echo "motionkit installed in $venv: activate with 'source $venv/bin/activate'"
