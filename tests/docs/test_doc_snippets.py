"""The user guides stay true: every ```python block of docs/data.md, docs/ops.md and docs/networks.md runs as
written (in a fresh temporary folder, one namespace per block), the `motionkit prepare` flags they list are
the parser's, and every built-in component is named in its guide."""
from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import pytest
import torch

import motionkit.conditions
import motionkit.data
import motionkit.losses
import motionkit.nn
import motionkit.ops
from motionkit.prepare import add_arguments

DOCS = Path(__file__).resolve().parents[2] / "docs"
GUIDES = ("data.md", "ops.md", "networks.md")
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)
#: the guide that must name each core package's registered components
COMPONENT_GUIDES = {
    motionkit.data: "data.md", motionkit.conditions: "data.md", motionkit.ops: "ops.md",
    motionkit.nn: "networks.md", motionkit.losses: "networks.md",
}


def python_blocks(guide: str) -> list[tuple[int, str]]:
    """``(first code line, code)`` of each ```python block of ``docs/<guide>``."""
    text = (DOCS / guide).read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in PYTHON_BLOCK.finditer(text)]


SNIPPETS = [pytest.param(guide, line, code, id=f"{guide}:{line}") for guide in GUIDES for line, code in python_blocks(guide)]


@pytest.mark.parametrize("guide", GUIDES)
def test_guide_has_snippets(guide):
    assert len(python_blocks(guide)) >= 3, f"docs/{guide}: expected runnable ```python examples"


@pytest.mark.parametrize(("guide", "line", "code"), SNIPPETS)
def test_snippet_runs(guide, line, code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MOTIONKIT_VGG19_WEIGHTS", raising=False)
    environment, threads = dict(os.environ), torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: thread hand-offs would dominate on a busy 2-core runner
    # blank lines in front keep traceback line numbers equal to the guide's
    compiled = compile("\n" * (line - 1) + code, str(DOCS / guide), "exec")
    try:
        exec(compiled, {"__name__": f"docs.{guide}"})
    finally:
        torch.set_num_threads(threads)
        os.environ.clear()
        os.environ.update(environment)


def _prepare_section() -> str:
    text = (DOCS / "data.md").read_text(encoding="utf-8")
    match = re.search(r"^## `motionkit prepare`.*?(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert match, "docs/data.md lacks a '## `motionkit prepare`' section"
    return match.group(0)


def test_prepare_flags_match_the_parser():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    real = {flag for action in parser._actions for flag in action.option_strings if flag.startswith("--")} - {"--help"}
    documented = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", _prepare_section()))
    assert documented - real == set(), f"docs/data.md documents flags prepare does not have: {documented - real}"
    assert real - documented == set(), f"docs/data.md does not document prepare's flags {real - documented}"


@pytest.mark.parametrize("package", list(COMPONENT_GUIDES), ids=lambda p: p.__name__)
def test_builtin_components_are_documented(package):
    text = (DOCS / COMPONENT_GUIDES[package]).read_text(encoding="utf-8")
    missing = [cls.name for cls in package.COMPONENTS if f"`{cls.name}`" not in text]
    assert not missing, f"docs/{COMPONENT_GUIDES[package]} does not name {missing}"


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation other than '-' and '_' dropped, spaces to '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("guide", GUIDES)
def test_links_between_guides_resolve(guide):
    text = (DOCS / guide).read_text(encoding="utf-8")
    for target, anchor in re.findall(r"\]\(([\w.-]+\.md)?#([\w-]+)\)", text):
        linked = (DOCS / (target or guide)).read_text(encoding="utf-8")
        anchors = {_anchor(h) for h in re.findall(r"^#+ (.*)$", linked, re.MULTILINE)}
        assert anchor in anchors, f"docs/{guide} links to {target or guide}#{anchor}, which has no such heading"
    for target in re.findall(r"\]\(([\w.-]+\.md)", text):
        assert (DOCS / target).is_file(), f"docs/{guide} links to missing docs/{target}"
