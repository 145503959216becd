"""The deltanet command: --version, --help, examples list/run; errors are one line, non-zero exit,
no traceback (run as a subprocess, as a user would)."""

import subprocess
import sys

import pytest

import deltanet as dn


def deltanet(*args):
    return subprocess.run([sys.executable, "-m", "deltanet", *args], capture_output=True, text=True, timeout=120)


def test_version():
    result = deltanet("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"deltanet {dn.__version__}"


def test_help():
    result = deltanet("--help")
    assert result.returncode == 0
    assert "usage: deltanet" in result.stdout and "examples" in result.stdout


def test_examples_list():
    from deltanet.examples import EXAMPLES

    result = deltanet("examples", "list")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(EXAMPLES)
    assert lines[0].startswith("tumor ") and "[Ibragimov]" in lines[0]
    assert any("4-16-3" in line for line in lines)


def test_examples_run_quick_plot(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "fig.png"
    result = deltanet("examples", "run", "perceptron", "--quiet", "--plot", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("perceptron: converges on AND, OR") and out.stat().st_size > 1000


def test_examples_run_iris():
    result = deltanet("examples", "run", "iris", "--epochs", "30")
    assert result.returncode == 0, result.stderr
    assert "Test accuracy: " in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["examples", "run", "mnist"], "unknown example 'mnist'; available: tumor, cats-dogs, iris"),
        (["examples", "run", "tumor", "--steps", "x"], "argument --steps: invalid int value: 'x'"),
        (["train"], "train needs a config file, or --resume RUN"),
        (["train", "x.toml", "--resume", "runs/x"], "--resume RUN continues a run with its own config"),
        (["predict", "runs/x"], "the following arguments are required: --data"),
        (["train", "x.toml", "--epochs", "-3"], "--epochs must be >= 0, got -3"),
        (["examples", "run", "iris", "--epochs", "many"], "argument --epochs: invalid int value: 'many'"),
        (["examples", "run", "iris", "--seed", "-1"], "--seed must be a non-negative integer, got -1"),
        (["examples"], "examples needs an action"),
        (["--frob"], "unrecognized arguments: --frob"),
    ],
)
def test_bad_commands_exit_nonzero_with_one_line_and_no_traceback(args, message):
    result = deltanet(*args)
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1  # exactly one line
    assert result.stderr.startswith("deltanet: error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_no_command_prints_help_and_fails():
    result = deltanet()
    assert result.returncode == 2
    assert "usage: deltanet" in result.stdout


def test_console_script_is_installed():
    import os
    import shutil

    script = shutil.which("deltanet", path=os.path.dirname(sys.executable))
    if script is None:
        pytest.skip("the deltanet console script is not installed next to this Python")
    result = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == f"deltanet {dn.__version__}"


def test_report_command_writes_the_page(tmp_path):
    import numpy as np

    import deltanet as dn
    from deltanet import cli

    run = tmp_path / "run"
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 4)).astype(np.float32), rng.integers(0, 3, 40)
    model = dn.nn.Sequential(dn.nn.Linear(4, 8, rng=0), dn.nn.ReLU(), dn.nn.Linear(8, 3, rng=1))
    dn.fit(
        model,
        X,
        y,
        "cross_entropy",
        dn.optim.SGD(model.parameters(), lr=0.1),
        epochs=2,
        batch_size=8,
        run_dir=run,
        rng=0,
    )
    assert cli.main(["report", str(run), "-o", str(tmp_path / "r.html")]) == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<html" in page.lower() and "Linear" in page
