"""The package layers of DESIGN.md, and no import cycles at any scale.

Three rules, each checked on the import graph of ``src/deltanet`` read with ``ast`` (nothing is
imported to check it):

1. **Layers.** A file imports only from packages of a lower layer, or of its own layer.
2. **No cycle between packages.** The graph of packages (``nn``, ``training``, ...) is acyclic: two
   packages of one layer may depend on each other in one direction only.
3. **No cycle between files.** No file imports, directly or through others, a file that imports it
   back.

Every import counts: an import inside a function is still a dependency (lazy or not, a cycle is a
cycle). ``import deltanet as dn`` in a file of the package counts as an import of every name the
file then uses (``dn.save`` is an import of ``deltanet.io``), resolved through the top-level
``deltanet/__init__.py``, whose eager imports and lazy tables map each public name to its module.
That file itself is exempt: it is the public index of every layer.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "deltanet"

LAYER = {
    "_version": 0,
    "_checks": 0,
    "_atomic": 0,
    "backend": 1,
    "backends": 1,  # torch.backends' switches (cudnn, cuda.matmul, mps): they change nothing here
    "autograd": 2,
    "functional": 3,
    "nn": 4,
    "losses": 4,
    "init": 4,
    "regularizers": 4,
    "metrics": 4,
    "distributions": 4,  # torch.distributions: Tensor ops (autograd) only
    "optim": 5,
    "amp": 5,  # autocast and GradScaler: autograd and the optimizers' gradients
    "func": 5,  # torch.func: functional_call (nn) and grad/vmap (autograd)
    "data": 6,
    "utils": 6,
    "training": 6,
    "models": 6,
    "io": 6,  # DESIGN.md has it at 7; training's checkpoints need it, so it sits beside training
    "distributed": 6,
    "jit": 6,  # torch.jit's names; imports nothing of deltanet
    "diagnostics": 7,
    "inference": 7,
    "onnx": 7,
    "plot": 7,
    "reporting": 7,
    "explain": 7,
    "playground": 8,
    "cli": 9,
    "examples": 9,
    "__main__": 10,
}


# -- reading the import graph ---------------------------------------------------------------------
def module_name(path: Path, root: Path) -> str:
    """``deltanet.nn.module`` for ``root/nn/module.py``; ``deltanet.nn`` for ``root/nn/__init__.py``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["deltanet", *parts])


def public_index(init_source: str) -> dict[str, str]:
    """Each public name of ``deltanet/__init__.py`` and the module that defines it."""
    index: dict[str, str] = {}
    tree = ast.parse(init_source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                if node.module == "deltanet":
                    index[alias.asname or alias.name] = f"deltanet.{alias.name}"
                elif node.module.startswith("deltanet."):
                    index[alias.asname or alias.name] = node.module
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in ("_LAZY_MODULES", "_LAZY_NAMES"):
                for key, value in zip(node.value.keys, node.value.values, strict=True):
                    if isinstance(key, ast.Constant) and isinstance(value, ast.Constant):
                        index[key.value] = value.value
    return index


def imports_of(source: str, name: str, index: Mapping[str, str], is_package: bool = False) -> Iterator[str]:
    """The ``deltanet`` modules that the file of module ``name`` imports, as dotted names.

    ``from deltanet import x`` gives ``deltanet.x`` for a submodule and the defining module for a
    public name of the index; ``import deltanet as dn`` gives the module of every ``dn.x`` used.
    """
    tree = ast.parse(source)
    package = name if is_package else name.rpartition(".")[0]
    aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: from . import x, from .y import z
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([module] if module else []))
            if module == "deltanet":
                for alias in node.names:
                    yield index.get(alias.name, f"deltanet.{alias.name}")
            elif module.startswith("deltanet."):
                # A submodule (from deltanet.nn import functional) or a name of the module; the
                # graph keeps whichever of the two is a file.
                for alias in node.names:
                    yield f"{module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "deltanet":
                    aliases.add(alias.asname or "deltanet")
                elif alias.name.startswith("deltanet."):
                    yield alias.name
    if aliases:
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
                yield index.get(node.attr, f"deltanet.{node.attr}")


def import_graph(files: Mapping[str, str]) -> dict[str, set[str]]:
    """The file-level graph: module name -> the package's modules it imports (edges to modules that
    exist; ``deltanet.x.y`` that is a name in module ``deltanet.x`` becomes ``deltanet.x``).

    Args:
        files: module name -> source, for every file of the package (``deltanet`` is the index).
    """
    index = public_index(files.get("deltanet", ""))
    packages = {n for n in files if any(m.startswith(n + ".") for m in files)}
    graph: dict[str, set[str]] = {}
    for name, source in files.items():
        if name == "deltanet":
            continue
        edges = set()
        for target in imports_of(source, name, index, is_package=name in packages):
            while target not in files and "." in target:
                target = target.rpartition(".")[0]
            if target != name and target != "deltanet":
                edges.add(target)
        graph[name] = edges
    return graph


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of nodes ``[a, b, ..., a]``, or None when it is acyclic."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def top(module: str) -> str:
    """The top-level package of a module: ``nn`` for ``deltanet.nn.module``."""
    return module.split(".")[1]


def package_graph(graph: Mapping[str, set[str]]) -> dict[str, set[str]]:
    """The graph between top-level packages."""
    out: dict[str, set[str]] = {}
    for name, edges in graph.items():
        out.setdefault(top(name), set()).update(top(e) for e in edges if top(e) != top(name))
    return out


def layer_violations(graph: Mapping[str, set[str]]) -> list[str]:
    """Every import of a higher layer, as text."""
    bad = []
    for name, edges in sorted(graph.items()):
        for e in sorted(edges):
            if top(e) not in LAYER or top(name) not in LAYER:
                bad.append(f"{name} or {e}: not in the layer table (add it here and in DESIGN.md)")
            elif LAYER[top(e)] > LAYER[top(name)]:
                bad.append(f"{name} (layer {LAYER[top(name)]}) imports {e} (layer {LAYER[top(e)]})")
    return bad


def read_package(root: Path) -> dict[str, str]:
    """Module name -> source for every ``.py`` file under ``root``."""
    return {module_name(p, root): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}


GRAPH = import_graph(read_package(SRC))


# -- the rules on deltanet -------------------------------------------------------------------------
def test_imports_go_down_the_layers():
    assert layer_violations(GRAPH) == []


def test_no_cycle_between_packages():
    assert find_cycle(package_graph(GRAPH)) is None


def test_no_cycle_between_files():
    assert find_cycle(GRAPH) is None


# -- the checker itself can fail -------------------------------------------------------------------
INDEX = 'from deltanet import nn\n_LAZY_NAMES = {"save": "deltanet.io.files"}\n'


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (  # two files of one package that import each other, one of them lazily
            {
                "deltanet": "",
                "deltanet.autograd": "",
                "deltanet.autograd.tensor": "def f():\n    from deltanet.autograd import ops\n",
                "deltanet.autograd.ops": "from deltanet.autograd.tensor import Tensor\n",
            },
            ["deltanet.autograd.ops", "deltanet.autograd.tensor", "deltanet.autograd.ops"],
        ),
        (  # a relative import closes the loop
            {
                "deltanet": "",
                "deltanet.nn": "",
                "deltanet.nn.module": "from .summary import summary\n",
                "deltanet.nn.summary": "from deltanet.nn.module import Module\n",
            },
            ["deltanet.nn.module", "deltanet.nn.summary", "deltanet.nn.module"],
        ),
        (  # import deltanet as dn: dn.save is an import of deltanet.io.files
            {
                "deltanet": INDEX,
                "deltanet.io": "",
                "deltanet.io.files": "from deltanet.cli import main\n",
                "deltanet.cli": "import deltanet as dn\n\ndef main():\n    dn.save(1, 2)\n",
            },
            ["deltanet.cli", "deltanet.io.files", "deltanet.cli"],
        ),
    ],
    ids=["lazy", "relative", "import-deltanet-as-dn"],
)
def test_an_injected_cycle_is_found(files, expected):
    assert find_cycle(import_graph(files)) == expected


def test_an_upward_import_and_a_package_cycle_are_found():
    files = {
        "deltanet": "",
        "deltanet.nn": "",
        "deltanet.nn.linear": "from deltanet.training import fit\n",
        "deltanet.training": "from deltanet.data import x\n",
        "deltanet.data": "from deltanet.training import y\n",
    }
    graph = import_graph(files)
    assert layer_violations(graph) == ["deltanet.nn.linear (layer 4) imports deltanet.training (layer 6)"]
    assert find_cycle(package_graph(graph)) == ["data", "training", "data"]


def test_the_graph_sees_the_real_package():
    # The checker reads what it should: nn's Linear uses init, and the CLI reaches io through dn.save.
    assert "deltanet.init" in GRAPH["deltanet.nn.linear"]
    assert any(e.startswith("deltanet.io") for name, edges in GRAPH.items() if top(name) == "cli" for e in edges)
