"""Plugin discovery, isolation of broken plugins, selection, strict mode and the hooks."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import motionkit as mk
from motionkit.errors import PluginError, PluginLoadWarning, UnknownComponentError



def test_discovers_real_installed_plugins():
    """The tutorial plugin is pip-installed (as CI does) and found through its entry point."""
    registry = mk.load_plugins(only=["motionkit-affine"])
    info = registry.plugins["motionkit-affine"]
    assert info.status == "ok" and info.version == "0.1.0"
    assert "method:affine" in info.components
    assert registry.get("method", "affine").__module__.startswith("motionkit_affine")


def test_fake_distribution_is_discovered(good_plugin, install_plugin, load_only):
    install_plugin("motionkit-good", good_plugin)
    registry = load_only("motionkit-good")
    assert registry.plugins["motionkit-good"].version == "0.3.1"
    assert registry.create("loss", "test.tiny_l1") is not None


def test_import_error_is_skipped_with_warning(good_plugin, install_plugin, load_only):
    install_plugin("motionkit-good", good_plugin)
    install_plugin("motionkit-broken", "import no_such_module_anywhere\n")
    with pytest.warns(PluginLoadWarning, match=r"skipped plugin 'motionkit-broken' 0.3.1 \(ModuleNotFoundError"):
        registry = load_only("motionkit-good", "motionkit-broken")
    assert registry.plugins["motionkit-broken"].status == "failed"
    assert "no_such_module_anywhere" in registry.plugins["motionkit-broken"].error
    assert registry.plugins["motionkit-good"].status == "ok"
    assert "test.tiny_l1" in registry.names("loss")


def test_raising_hook_rolls_back_the_plugin(good_plugin, install_plugin, load_only):
    install_plugin("motionkit-raises", good_plugin.replace("test.tiny_l1", "test.half") + """
@mk.hookimpl
def register_commands(register):
    raise RuntimeError("hook exploded")
""")
    with pytest.warns(PluginLoadWarning, match="hook exploded"):
        registry = load_only("motionkit-raises")
    assert registry.plugins["motionkit-raises"].status == "failed"
    assert "test.half" not in registry.names("loss"), "a failed plugin must register nothing"


def test_duplicate_name_fails_the_second_plugin(good_plugin, install_plugin, load_only):
    install_plugin("motionkit-aaa", good_plugin)
    install_plugin("motionkit-bbb", good_plugin)
    with pytest.warns(PluginLoadWarning, match="already registered by plugin motionkit-aaa"):
        registry = load_only("motionkit-aaa", "motionkit-bbb")
    assert registry.plugins["motionkit-aaa"].status == "ok"
    assert registry.plugins["motionkit-bbb"].status == "failed"
    assert registry.entry("loss", "test.tiny_l1").plugin == "motionkit-aaa"


def test_bad_hook_signature_and_misspelled_hook_fail(install_plugin, load_only):
    install_plugin("motionkit-badsig", """
import motionkit as mk
@mk.hookimpl
def register_components(register, unknown_argument):
    pass
""")
    install_plugin("motionkit-typo", """
import motionkit as mk
@mk.hookimpl
def register_component(register):
    pass
""")
    with pytest.warns(PluginLoadWarning):
        registry = load_only("motionkit-badsig", "motionkit-typo")
    assert "unknown_argument" in registry.plugins["motionkit-badsig"].error
    assert "register_component" in registry.plugins["motionkit-typo"].error


def test_registering_a_non_component_fails(install_plugin, load_only):
    install_plugin("motionkit-notcls", """
import motionkit as mk
@mk.hookimpl
def register_components(register):
    register(int)
""")
    with pytest.warns(PluginLoadWarning, match="not a component class"):
        registry = load_only("motionkit-notcls")
    assert registry.plugins["motionkit-notcls"].status == "failed"


def test_strict_mode_raises_with_cause(install_plugin, monkeypatch):
    install_plugin("motionkit-broken", "raise RuntimeError('boom at import')\n")
    monkeypatch.setenv("MOTIONKIT_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match="motionkit-broken 0.3.1 failed to load: RuntimeError: boom at import") as exc:
        mk.load_plugins(only=["motionkit-broken"])
    assert isinstance(exc.value.__cause__, RuntimeError)


def test_selection_variable(good_plugin, install_plugin, monkeypatch):
    install_plugin("motionkit-good", good_plugin)
    monkeypatch.setenv("MOTIONKIT_LOAD_PLUGINS", "motionkit_good")  # names compare like pip's
    assert set(p for p in mk.load_plugins().plugins if p != "motionkit.builtins") == {"motionkit-good"}
    monkeypatch.setenv("MOTIONKIT_LOAD_PLUGINS", "")
    assert set(mk.load_plugins().plugins) == {"motionkit.builtins"}


def test_selection_variable_in_cli():
    env = dict(os.environ, MOTIONKIT_LOAD_PLUGINS="motionkit-affine")
    out = subprocess.run([sys.executable, "-m", "motionkit", "plugins", "--json"], capture_output=True, text=True,
                         env=env, check=True).stdout
    assert [p["name"] for p in json.loads(out)] == ["motionkit-affine"]


def test_unknown_name_hint_lists_close_matches_and_failures(good_plugin, install_plugin, load_only):
    install_plugin("motionkit-good", good_plugin)
    install_plugin("motionkit-broken", "import no_such_module_anywhere\n")
    with pytest.warns(PluginLoadWarning):
        registry = load_only("motionkit-good", "motionkit-broken")
    with pytest.raises(UnknownComponentError) as exc:
        registry.get("loss", "test.tiny_11")
    message = str(exc.value)
    assert "did you mean 'test.tiny_l1'" in message
    assert "plugins that failed to load: motionkit-broken (ModuleNotFoundError" in message
    with pytest.raises(UnknownComponentError, match="unknown component kind 'gen'"):
        registry.get("gen", "x")


# -- one test per hook (tests/core/test_hooks_documented.py checks that each hook has one) -------------------
def test_hook_register_components(registry):
    class Plugin:
        @mk.hookimpl
        def register_components(self, register):
            class Scale(mk.Loss):
                """Scaled L1."""
                name = "test.scaled"

                class Config(mk.Config):
                    factor: float = 2.0

            register(Scale)

    info = registry.add_plugin(Plugin(), "test-plugin")
    assert info.components == ["loss:test.scaled"]
    assert mk.create("loss", "test.scaled", factor=3.0).config.factor == 3.0


def test_hook_register_commands(registry, capsys):
    def run(args):
        print(f"hello {args.who} via {args.method}")
        return 0

    class Plugin:
        @mk.hookimpl
        def register_commands(self, register):
            register(mk.Command(verb="greet", method="m1", help="say hello",
                                add_arguments=lambda p: p.add_argument("--who", default="world"), run=run))

    registry.add_plugin(Plugin(), "test-plugin")
    from motionkit.cli import main

    assert main(["greet", "--method", "m1", "--who", "you"]) == 0
    assert "hello you via m1" in capsys.readouterr().out
    assert main(["greet", "--method", "m2"]) == 1
    assert "no method 'm2' provides this verb" in capsys.readouterr().err


def test_hook_register_demo_sections(registry):
    section = mk.DemoSection(name="test-method", title="Test", run=lambda context: None)

    class Plugin:
        @mk.hookimpl
        def register_demo_sections(self, register):
            register(section)

    info = registry.add_plugin(Plugin(), "test-plugin")
    assert info.demo_sections == ["test-method"]
    assert section in registry.demo_sections
    with pytest.raises(PluginError, match="demo section 'test-method', already taken"):
        registry.add_plugin(Plugin(), "test-plugin-2")
