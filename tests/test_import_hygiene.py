"""The collecting and modelling layers never import the UI libraries.

`hatui status` and the probes must run without Textual or Rich loaded (faster start, no
terminal assumptions, and a model that cannot grow markup). Checked in a fresh interpreter,
because this test process may already have imported them for other tests.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import hatui.faults
import hatui.parsers

PARSER_MODULES = sorted(
    f"hatui.parsers.{m.name}" for m in pkgutil.iter_modules(hatui.parsers.__path__)
)


def test_parser_modules_are_found() -> None:
    """Guards the test below against silently checking nothing."""
    assert "hatui.parsers.keepalived_json" in PARSER_MODULES
    assert len(PARSER_MODULES) >= 10


def test_model_parsers_observations_do_not_import_ui() -> None:
    modules = ["hatui.observations", "hatui.model", *PARSER_MODULES]
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "ui = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "ours = sorted(m for m in sys.modules if m.startswith('hatui'))\n"
        "print(json.dumps({'ui': ui, 'loaded': ours}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    result = json.loads(out.stdout)
    assert set(modules) <= set(result["loaded"])  # they really were imported
    assert result["ui"] == []


FAULT_MODULES = sorted(
    f"hatui.faults.{m.name}" for m in pkgutil.iter_modules(hatui.faults.__path__)
)


def test_fault_modules_are_found() -> None:
    assert {"hatui.faults.manager", "hatui.faults.guards", "hatui.faults.catalog"} <= set(
        FAULT_MODULES
    )


def test_faults_and_their_cli_do_not_import_ui() -> None:
    """The fault engine runs headless (`hatui fault`, `hatui clear`) as well as in the app."""
    modules = ["hatui.faults", *FAULT_MODULES, "hatui.fault_cmd"]
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "ui = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(json.dumps({'ui': ui, 'loaded': sorted(sys.modules)}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    result = json.loads(out.stdout)
    assert set(modules) <= set(result["loaded"])
    assert result["ui"] == []
