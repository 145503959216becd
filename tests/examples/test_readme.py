"""The README's code runs, its two set-up commands are the documented ones, and .ci/run runs the
README's test command exactly."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
INSTALL_AND_TRAIN = "pip install . && deltanet examples run iris"
INSTALL_AND_TEST = 'pip install ".[test]" && python -m pytest'


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_python_examples_run(capsys):
    namespace = {}
    for code in blocks("python"):
        exec(compile(code, str(README), "exec"), namespace)  # noqa: S102 - our own README
    out = capsys.readouterr().out.splitlines()
    assert float(out[0]) >= 0.9  # val_accuracy
    assert "accuracy" in out[1]


def test_readme_states_the_two_commands():
    bash = [b.strip() for b in blocks("bash")]
    assert INSTALL_AND_TRAIN in bash
    assert INSTALL_AND_TEST in bash


def test_ci_runs_the_readme_test_command_exactly():
    ci = ROOT / ".ci" / "run"
    if not ci.exists():
        pytest.skip(".ci/run is not part of this checkout")
    text = ci.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert any(line.strip() == INSTALL_AND_TEST for line in text.splitlines())
