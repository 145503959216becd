"""Fuzz of the command line and the file readers: whatever the config or the data file holds, the
answer is a result or one line ``deltanet: error: ...`` with exit status 1 or 2; never a
traceback, never a hang.

- ``deltanet train CONFIG.toml``: structured mutations of valid configs (values of every TOML type
  put anywhere, keys removed or added, layer types swapped) and byte mutations of the TOML text;
- ``read_csv`` and ``read_idx`` in-process on mutated files (a result, or our ``DataFileError``
  with a one-line message), and through the command line (``train`` on a CSV config,
  ``evaluate --data`` an MNIST folder of IDX files);
- random command lines (``main(argv)``), exit status 2 for a malformed one;
- a few real subprocesses confirm that the installed command prints no traceback.

The command runs in-process (``deltanet.cli.main``), with stdout and stderr captured and a timer
that interrupts a call running longer than ``LIMIT`` seconds. The fuzz is seeded, so a failure
reproduces; the failing inputs are in the assertion message.

Errors that the command's last-resort handler reports as ``deltanet: error: unexpected ...`` are
one line too, but they mean an input slipped past the checks: ``test_no_unexpected_errors``
lists them separately.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import gzip
import io
import json
import math
import re
import signal
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import deltanet as dn
from deltanet.cli import main
from deltanet.data import DataFileError, read_csv, read_idx, write_idx

LIMIT = 30.0  # seconds before a call counts as a hang
ONE_LINE = re.compile(r"^deltanet: error: [^\n]+$")


class Hang(BaseException):
    """Raised by the timer; a BaseException, so that no ``except Exception`` can swallow it."""


@contextlib.contextmanager
def time_limit(seconds: float):
    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``deltanet ARGV`` in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a warning is printed by the real command, not an error
        try:
            with time_limit(LIMIT):
                code = main(argv)
        except SystemExit as stop:  # argparse's --help and --version
            code = stop.code if isinstance(stop.code, int) else 1
        except Hang:
            return -1, out.getvalue(), "HANG"
    return code, out.getvalue(), err.getvalue()


def problem(code: int, err: str) -> str | None:
    """Why this outcome breaks the promise, or None."""
    if err == "HANG":
        return f"no answer within {LIMIT} s"
    if "Traceback" in err:
        return "a traceback"
    if code not in (0, 1, 2):
        return f"exit status {code}"
    if code != 0 and not ONE_LINE.match(err.strip()):
        return f"not one line 'deltanet: error: ...': {err!r}"
    return None


def unexpected(err: str) -> bool:
    return err.startswith("deltanet: error: unexpected ")


class Log:
    """Outcomes of one fuzz campaign."""

    def __init__(self, name: str) -> None:
        self.name, self.runs, self.codes = name, 0, {}
        self.problems: list[str] = []
        self.unexpected: list[str] = []

    def record(self, code: int, err: str, what: str) -> None:
        self.runs += 1
        self.codes[code] = self.codes.get(code, 0) + 1
        why = problem(code, err)
        if why:
            self.problems.append(f"{why} ({err.strip()[:300]!r}) for {what}")
        elif unexpected(err):
            self.unexpected.append(f"{err.strip()[:300]} for {what}")


# == configs ====================================================================================
BASE_CONFIG = {
    "seed": 0,
    "epochs": 1,
    "batch_size": 8,
    "validation_split": 0.2,
    "metrics": ["accuracy"],
    "loss": "cross_entropy",
    "data": {"dataset": "iris", "test_split": 0.2, "standardize": True},
    "model": {
        "layers": [
            {"type": "Linear", "in_features": 4, "out_features": 5},
            {"type": "Sigmoid"},
            {"type": "Linear", "in_features": 5, "out_features": 3},
        ]
    },
    "optimizer": {"name": "sgd", "lr": 0.05, "momentum": 0.9},
    "regularizer": {"type": "L2", "lam": 0.0001},
    "callbacks": [{"type": "EarlyStopping", "patience": 3}],
}
BUILDER_CONFIG = {
    "epochs": 1,
    "batch_size": "full",
    "loss": {"name": "huber", "delta": 2.0},
    "metrics": ["mae"],
    "data": {"csv": "data.csv", "target": "label", "standardize": True},
    "model": {"builder": "mlp", "args": {"sizes": [4, 6, 1], "activation": "relu"}},
    "optimizer": {"name": "adam", "lr": 0.01},
}

VALUES: list[Any] = [
    -1,
    0,
    1,
    2,
    3,
    7,
    2**40,
    10**30,
    -(10**30),
    0.5,
    -0.5,
    1e308,
    math.nan,
    math.inf,
    -math.inf,
    True,
    False,
    "",
    "x",
    "full",
    "auto",
    "none",
    "sgd",
    "adam",
    "Linear",
    "Conv2d",
    "ReLU",
    "nope",
    "cross_entropy",
    "mse",
    "iris",
    "digits",
    "mnist",
    "accuracy",
    "../../../../etc/passwd",
    "a" * 300,
    "ünïcödé ✓",
    "1",
    "1e3",
    "null",
    [],
    [1, "a"],
    [1, 2, 3],
    [[1]],
    {},
    {"type": "ReLU"},
    {"name": "sgd"},
    datetime.date(2020, 1, 1),
    datetime.datetime(2020, 1, 1, 12, 30),
    datetime.time(12, 0),
]
KEYS = [
    "type",
    "name",
    "lr",
    "epochs",
    "in_features",
    "out_features",
    "layers",
    "builder",
    "args",
    "csv",
    "dataset",
    "npz",
    "mnist",
    "target",
    "x",
    "y",
    "batch_size",
    "momentum",
    "patience",
    "monitor",
    "lam",
    "eps",
    "seed",
    "dtype",
    "run_dir",
    "callbacks",
    "kernel_size",
    "p",
    "unknown_key",
    "",
    " ",
]
LAYERS = [
    "Linear",
    "ReLU",
    "Sigmoid",
    "Conv2d",
    "MaxPool2d",
    "Flatten",
    "Dropout",
    "BatchNorm1d",
    "Softmax",
    "Upsample",
    "Sequential",
    "Module",
    "os.system",
    "deltanet.nn.Linear",
    "linear",
]


def toml_key(key: Any) -> str:
    key = str(key)
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def to_toml(config: dict) -> str:
    """A config as TOML text: scalars first, then [tables] and [[arrays of tables]]."""
    head, tail = [], []
    for key, value in config.items():
        if isinstance(value, dict):
            tail.append(f"\n[{toml_key(key)}]")
            tail += [f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()]
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value) and key == "callbacks":
            for item in value:
                tail.append(f"\n[[{toml_key(key)}]]")
                tail += [f"{toml_key(k)} = {toml_value(v)}" for k, v in item.items()]
        else:
            head.append(f"{toml_key(key)} = {toml_value(value)}")
    return "\n".join(head + tail) + "\n"


def _paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            found += _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            found += _paths(v, prefix + (i,))
    return found


def _at(obj: Any, path: tuple) -> Any:
    for key in path:
        obj = obj[key]
    return obj


def mutate_config(config: dict, rng: np.random.Generator) -> dict:
    """One to three structural changes anywhere in the config tree."""
    config = copy.deepcopy(config)
    for _ in range(int(rng.integers(1, 4))):
        paths = _paths(config)
        path = paths[int(rng.integers(len(paths)))]
        parent, key = _at(config, path[:-1]), path[-1]
        action = rng.choice(["replace", "replace", "delete", "add", "layer", "wrap"])
        if action == "replace":
            parent[key] = copy.deepcopy(VALUES[int(rng.integers(len(VALUES)))])
        elif action == "delete":
            del parent[key]
        elif action == "add":
            target = parent if isinstance(parent, dict) else config
            target[KEYS[int(rng.integers(len(KEYS)))]] = copy.deepcopy(VALUES[int(rng.integers(len(VALUES)))])
        elif action == "layer":
            layers = config.get("model", {}).get("layers") if isinstance(config.get("model"), dict) else None
            if isinstance(layers, list) and layers and isinstance(layers[0], dict):
                layer = layers[int(rng.integers(len(layers)))]
                if isinstance(layer, dict):
                    layer["type"] = LAYERS[int(rng.integers(len(LAYERS)))]
        else:  # a value wrapped in a list or a table
            parent[key] = [parent[key]] if rng.random() < 0.5 else {"value": parent[key]}
    return config


def mutate_bytes(data: bytes, rng: np.random.Generator) -> bytes:
    """Random byte edits: flips, insertions (invalid UTF-8 and NUL included), deletions,
    duplicated spans, truncation."""
    b = bytearray(data)
    for _ in range(int(rng.integers(1, 6))):
        if not b:
            b += bytes([int(rng.integers(256))])
            continue
        i = int(rng.integers(len(b)))
        kind = int(rng.integers(6))
        if kind == 0:
            b[i] = int(rng.integers(256))
        elif kind == 1:
            b[i:i] = bytes(
                rng.choice([0x00, 0xFF, 0xC3, 0x22, 0x5B, 0x5D, 0x3D, 0x0A, 0x2C, 0x23, 0x27], 1 + int(rng.integers(3)))
            )
        elif kind == 2:
            del b[i : i + 1 + int(rng.integers(8))]
        elif kind == 3:
            j = min(len(b), i + 1 + int(rng.integers(40)))
            b[j:j] = b[i:j]
        elif kind == 4:
            del b[i:]
        else:
            b[i] ^= 1 << int(rng.integers(8))
    return bytes(b)


CSV_HEADER = "f0,f1,f2,f3,label\n"


def base_csv(rng: np.random.Generator) -> str:
    rows = [",".join(f"{v:.3f}" for v in rng.standard_normal(4)) + f",{rng.uniform(0, 3):.2f}" for _ in range(24)]
    return CSV_HEADER + "\n".join(rows) + "\n"


CSV_SNIPPETS = [
    b"nan",
    b"inf",
    b"-",
    b"1e999",
    b'"',
    b'"a,b"',
    b",,",
    b"\r",
    b"\r\n",
    b"\t",
    b"\xef\xbb\xbf",
    b"#",
    b"\n\n\n",
    b"1_000",
    b"0x10",
    b" ",
    b"\xe2\x9c\x93",
    b"label",
    b"1,2,3,4,5,6,7",
]


def mutate_csv(text: str, rng: np.random.Generator) -> bytes:
    data = text.encode()
    if rng.random() < 0.5:
        return mutate_bytes(data, rng)
    b = bytearray(data)
    for _ in range(int(rng.integers(1, 4))):
        i = int(rng.integers(len(b) + 1))
        b[i:i] = CSV_SNIPPETS[int(rng.integers(len(CSV_SNIPPETS)))]
    return bytes(b)


# == the campaigns ==============================================================================
@pytest.fixture(scope="module", autouse=True)
def no_figures():
    """The runs that succeed write report.html; its figures (seconds each) are not what is fuzzed."""

    def missing() -> None:
        raise ImportError("matplotlib is switched off for the fuzz")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("deltanet.plot._figure.require_matplotlib", missing)
        yield


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli-fuzz")


@pytest.fixture(scope="module")
def config_log(workspace: Path) -> Log:
    """400 structured mutations (iris list-of-layers config and CSV builder config) and 200 byte
    mutations of the TOML text, each run as ``deltanet train`` (0 epochs; every 10th, 1 epoch)."""
    rng = np.random.default_rng(2024)
    (workspace / "data.csv").write_text(base_csv(rng))
    log = Log("train CONFIG.toml")
    for i in range(600):
        base = BASE_CONFIG if i % 2 == 0 else BUILDER_CONFIG
        if i < 400:
            text = to_toml(mutate_config(base, rng)).encode()
        else:
            text = mutate_bytes(to_toml(base).encode(), rng)
        path = workspace / f"config{i}.toml"
        path.write_bytes(text)
        epochs = "1" if i % 10 == 0 else "0"
        code, _, err = run_cli(
            [
                "train",
                str(path),
                "--epochs",
                epochs,
                "--run-dir",
                str(workspace / f"run{i % 7}"),
                "--quiet",
                "--overwrite",
            ]
        )
        log.record(code, err, f"config {text[:400]!r}")
    return log


@pytest.fixture(scope="module")
def csv_log(workspace: Path) -> Log:
    """300 mutated CSV files read in-process by read_csv, 60 of them also through the command."""
    rng = np.random.default_rng(7)
    base = base_csv(rng)
    config = workspace / "csv.toml"
    folder = workspace / "csvs"
    folder.mkdir()
    log = Log("read_csv / train on a CSV")
    for i in range(300):
        data = mutate_csv(base, rng)
        path = folder / f"data{i}.csv"
        path.write_bytes(data)
        try:
            bundle = read_csv(path, target="label")
            assert bundle.X.ndim == 2 and np.isfinite(bundle.X).all() and len(bundle.y) == len(bundle.X)
            log.record(0, "", "")
        except (DataFileError, FileNotFoundError) as error:
            message = str(error)
            log.record(1, f"deltanet: error: {message}", f"CSV {data[:300]!r}")
        except Exception as error:  # anything else is what this test looks for
            log.record(1, f"Traceback: {type(error).__name__}: {error}", f"CSV {data[:300]!r}")
        if i % 5 == 0:
            cfg = dict(BUILDER_CONFIG, data={"csv": path.name, "target": "label", "standardize": True})
            config.write_text(to_toml(cfg).replace(f'"{path.name}"', json.dumps(str(path))))
            code, _, err = run_cli(
                [
                    "train",
                    str(config),
                    "--epochs",
                    "0",
                    "--run-dir",
                    str(workspace / "csvrun"),
                    "--quiet",
                    "--overwrite",
                ]
            )
            log.record(code, err, f"train on CSV {data[:300]!r}")
    return log


def _mnist_folder(folder: Path, rng: np.random.Generator) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, 6, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, 4, dtype=np.uint8),
    }
    contents = {}
    for name, array in files.items():
        write_idx(folder / name, array)
        contents[name] = (folder / name).read_bytes()
    return contents


@pytest.fixture(scope="module")
def idx_log(workspace: Path) -> Log:
    """300 mutated IDX files (plain and gzipped) read in-process by read_idx, and 60 MNIST folders
    with one mutated file evaluated through the command."""
    rng = np.random.default_rng(11)
    folder = workspace / "mnist"
    contents = _mnist_folder(folder, rng)
    model_file = workspace / "mnist.dnet"
    dn.save(dn.nn.Sequential(dn.nn.Linear(784, 10, rng=0)), model_file)
    log = Log("read_idx / evaluate on MNIST IDX files")
    names = sorted(contents)
    for i in range(300):
        name = names[i % 4]
        data = mutate_bytes(contents[name], rng)
        if i % 3 == 0:
            data = gzip.compress(data) if rng.random() < 0.5 else mutate_bytes(gzip.compress(contents[name]), rng)
        path = workspace / f"idx{i}"
        path.write_bytes(data)
        try:
            with time_limit(LIMIT):
                array = read_idx(path)
            assert isinstance(array, np.ndarray)
            log.record(0, "", "")
        except (DataFileError, FileNotFoundError) as error:
            log.record(1, f"deltanet: error: {error}", f"IDX {data[:200]!r}")
        except Hang:
            log.record(-1, "HANG", f"IDX {data[:200]!r}")
        except Exception as error:
            log.record(1, f"Traceback: {type(error).__name__}: {error}", f"IDX {data[:200]!r}")
        if i % 5 == 0:
            (folder / name).write_bytes(data)
            code, _, err = run_cli(["evaluate", str(model_file), "--data", str(folder)])
            log.record(code, err, f"MNIST folder with {name} = {data[:200]!r}")
            (folder / name).write_bytes(contents[name])
    return log


ARGV_TOKENS = [
    "train",
    "evaluate",
    "predict",
    "examples",
    "list",
    "run",
    "nope",
    "--epochs",
    "--run-dir",
    "--data",
    "--output",
    "--target",
    "--x",
    "--y",
    "--quiet",
    "--overwrite",
    "--resume",
    "--version",
    "-x",
    "--",
    "",
    "-1",
    "1e3",
    "ten",
    "iris",
    "digits",
    "missing.toml",
    "missing.dnet",
    "folder",
    "\x00",
    "ünï",
    "--epochs=-3",
    "-",
]


@pytest.fixture(scope="module")
def argv_log(workspace: Path) -> Log:
    """300 random command lines (the network command and the examples' names left out)."""
    rng = np.random.default_rng(5)
    (workspace / "folder").mkdir(exist_ok=True)
    log = Log("command lines")
    for _ in range(300):
        argv = [ARGV_TOKENS[int(i)] for i in rng.integers(len(ARGV_TOKENS), size=int(rng.integers(1, 6)))]
        argv = [str(workspace / a) if a in ("folder", "missing.toml", "missing.dnet") else a for a in argv]
        code, _, err = run_cli(argv)
        log.record(code, err, f"argv {argv!r}")
    return log


# Known bugs the fuzz may hit (name -> (pattern of the failure, where it is)), tolerated by the two
# tests above until fixed. The two found so far (zlib.error escaping read_idx; a table where
# cli/train.py expects a type name) are fixed, so none is tolerated now.
KNOWN_BUGS: dict[str, tuple[str, str]] = {}


def _known(entry: str) -> str | None:
    return next((name for name, (pattern, _) in KNOWN_BUGS.items() if re.search(pattern, entry)), None)


@pytest.mark.parametrize("campaign", ["config_log", "csv_log", "idx_log", "argv_log"])
def test_fuzz_gives_only_one_line_errors(campaign, request):
    log: Log = request.getfixturevalue(campaign)
    assert log.runs >= 300
    problems = [p for p in log.problems if not _known(p)]
    assert not problems, f"{len(problems)} of {log.runs} inputs:\n" + "\n".join(problems[:10])
    # Both outcomes occur: the fuzz reaches the checks and also produces inputs that are fine.
    assert log.codes.get(0, 0) > 0 and sum(n for c, n in log.codes.items() if c) > 0, log.codes


@pytest.mark.parametrize("campaign", ["config_log", "csv_log", "idx_log", "argv_log"])
def test_no_unexpected_errors(campaign, request):
    log: Log = request.getfixturevalue(campaign)
    unknown = [u for u in log.unexpected if not _known(u)]
    assert not unknown, f"{len(unknown)} inputs slipped past the checks:\n" + "\n".join(unknown[:10])


def test_fuzz_size(config_log, csv_log, idx_log, argv_log):
    """How many inputs the campaigns ran (quoted in the closing report; shown with -s)."""
    logs = (config_log, csv_log, idx_log, argv_log)
    for log in logs:
        print(f"{log.name}: {log.runs} inputs, exit statuses {dict(sorted(log.codes.items()))}")
    assert sum(log.runs for log in logs) >= 1600


def test_no_command_prints_the_help():
    code, out, err = run_cli([])
    assert code == 2 and out.startswith("usage: deltanet") and err == ""


# == real processes ===============================================================================
@pytest.mark.parametrize(
    "args, content, code",
    [
        (["train", "{path}"], b"epochs = [1\n", 1),  # TOML syntax
        (["train", "{path}"], b'epochs = "ten"\n[data]\ndataset = "iris"\n[model]\nbuilder = "mlp"\n', 1),
        (["train", "{path}"], b"\xff\xfe not utf-8", 1),
        (["evaluate", "{path}", "--data", "{path}"], b"not a model file", 1),
        (["trian"], b"", 2),  # unknown command
    ],
    ids=["toml-syntax", "bad-value", "not-utf8", "bad-model-file", "unknown-command"],
)
def test_installed_command_prints_one_line(args, content, code, tmp_path):
    path = tmp_path / "input.toml"
    path.write_bytes(content)
    argv = [a.format(path=path) for a in args]
    done = subprocess.run(
        [sys.executable, "-m", "deltanet.cli", *argv], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    assert ONE_LINE.match(done.stderr.strip()), done.stderr
