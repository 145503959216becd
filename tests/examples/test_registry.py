"""The registry: every example has a module with run and main, a deck, and a README row; every
example's command line accepts --quick, --quiet and (where it draws) --plot."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from deltanet import examples

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("name", list(examples.EXAMPLES))
def test_module_has_run_main_and_docs(name):
    module = examples.load(name)
    assert callable(module.run) and callable(module.main)
    assert module.__doc__ and "Run it:" in module.__doc__
    entry = examples.EXAMPLES[name]
    assert entry.deck.startswith(("de Back", "Hosny", "Ibragimov", "Suk", "Desrosiers")) and entry.description


def test_readme_table_lists_every_example_with_its_deck():
    text = README.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z0-9-]+)` \| ([^|]+) \|", text, flags=re.M))
    assert set(rows) == set(examples.EXAMPLES)
    for name, deck in rows.items():
        assert examples.EXAMPLES[name].deck.split(" ")[0] in deck


def test_unknown_example():
    with pytest.raises(ValueError, match="unknown example 'nope'; available examples: tumor, cats-dogs"):
        examples.load("nope")


def test_python_dash_m_runs_an_example():
    result = subprocess.run(
        [sys.executable, "-m", "deltanet.examples.cats_dogs", "--quiet"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and result.stdout.startswith("cats-dogs: error 0.33/0.33")


def test_example_options_are_checked(capsys):
    assert examples.load("tumor").main(["--steps", "-1"]) == 2
    assert "--steps must be >= 0, got -1" in capsys.readouterr().err
    assert examples.load("iris").main(["--lr", "0"]) == 2
    assert "--lr must be > 0, got 0.0" in capsys.readouterr().err


def test_missing_matplotlib_matters_only_with_plot(monkeypatch, tmp_path, capsys):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    module = examples.load("cats-dogs")
    assert module.main(["--quiet"]) == 0
    capsys.readouterr()
    assert module.main(["--quiet", "--plot", str(tmp_path / "x.png")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'deltanet[plot]'" in err
    assert not (tmp_path / "x.png").exists()
