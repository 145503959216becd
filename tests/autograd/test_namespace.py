"""The PyTorch-like top-level namespace, the new primitives (against NumPy, gradcheck, PyTorch),
grad-mode switches, and the structure that keeps ``tensor.py`` free of the ops it installs."""

import ast
import inspect
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import t64

import deltanet as dn
from deltanet.autograd import methods

AUTOGRAD = Path(dn.__file__).parent / "autograd"

TORCH_NAMES = (
    "exp log sin cos tanh sigmoid relu sqrt abs clamp maximum minimum sum mean max min argmax argmin matmul mm bmm "
    "dot flatten isnan isfinite allclose where eq ne gt lt ge le logical_and logical_or logical_not logical_xor any "
    "all cat stack zeros ones full empty eye arange linspace rand randn randint randperm zeros_like ones_like "
    "full_like empty_like rand_like randn_like from_numpy as_tensor tensor set_grad_enabled inference_mode no_grad "
    "enable_grad is_grad_enabled device cuda float32 float64 float double int64 long int32 int bool uint8 manual_seed "
    "softmax log_softmax logsumexp var std norm prod amax amin gather index_select reshape squeeze unsqueeze permute "
    "transpose chunk split clone square pow add sub mul div neg masked_fill"
).split()


def test_the_pytorch_names_are_at_the_top_level():
    missing = [name for name in TORCH_NAMES if not hasattr(dn, name)]
    assert not missing


# -- new primitives ------------------------------------------------------------------------------
UNARY = [
    (dn.sin, np.sin, "sin"),
    (dn.cos, np.cos, "cos"),
    (dn.sqrt, np.sqrt, "sqrt"),
    (dn.abs, np.abs, "abs"),
    (dn.exp, np.exp, "exp"),
    (dn.log, np.log, "log"),
    (dn.tanh, np.tanh, "tanh"),
    (dn.square, np.square, "square"),
]


@pytest.mark.parametrize("fn, ref, name", UNARY, ids=[u[2] for u in UNARY])
def test_unary_functions(rng, fn, ref, name):
    data = np.abs(rng.standard_normal((3, 4))) + 0.2 if name in ("sqrt", "log") else rng.standard_normal((3, 4))
    x = dn.tensor(data, requires_grad=True)
    np.testing.assert_allclose(fn(x).data, ref(data), rtol=1e-14)
    assert getattr(x, name)().data.tolist() == fn(x).data.tolist()
    assert dn.gradcheck(fn, [x])
    assert fn(dn.tensor(data.astype(np.float32))).dtype == dn.float32


def test_elementwise_functions_match_pytorch(rng):
    torch = pytest.importorskip("torch")
    a = np.array([-1.5, -0.5, 0.0, 0.5, 1.0, 2.0])
    b = np.array([0.5, -0.5, 0.0, 1.0, 1.0, -2.0])  # ties and zeros: the points where rules differ
    calls = [
        lambda lib, x, y: lib.sin(x) + lib.cos(y),
        lambda lib, x, y: lib.sqrt(lib.abs(x) + 1) * lib.abs(y),
        lambda lib, x, y: lib.clamp(x, -0.5, 1.0) + lib.clamp(y, min=0.0) + lib.clamp(x, max=0.5),
        lambda lib, x, y: lib.clamp(x, min=y),
        lambda lib, x, y: lib.maximum(x, y) * 2 + lib.minimum(x, y),
        lambda lib, x, y: lib.where(x > y, x, y * y),
        lambda lib, x, y: lib.sigmoid(x) * lib.relu(y) + lib.tanh(x),
        lambda lib, x, y: lib.add(x, y, alpha=3) - lib.sub(x, y, alpha=0.5) + lib.div(x, y + 3) * lib.mul(x, 2),
        lambda lib, x, y: lib.masked_fill(x, y > 0, 0.25) + lib.neg(y),
        lambda lib, x, y: lib.dot(x, y) * x + lib.matmul(x[None, :], y[:, None])[0],
    ]
    for call in calls:
        results = []
        for lib in (dn, torch):
            x = lib.tensor(a, requires_grad=True)
            y = lib.tensor(b, requires_grad=True)
            out = call(lib, x, y)
            (out * lib.tensor(np.arange(1.0, 7.0))).sum().backward()
            results.append((out.detach().numpy(), x.grad.numpy(), y.grad.numpy()))
        for ours, theirs in zip(*results, strict=True):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def test_matrix_products_check_shapes(rng):
    a, b = t64(rng, (2, 3)), t64(rng, (3, 4))
    assert dn.mm(a, b).shape == (2, 4)
    assert dn.gradcheck(dn.mm, [a, b])
    c, d = t64(rng, (5, 2, 3)), t64(rng, (5, 3, 2))
    assert dn.gradcheck(dn.bmm, [c, d])
    with pytest.raises(
        ValueError, match=r"mm: expects \(n, m\) and \(m, p\) matrices, got shapes \(2, 3\) and \(2, 3\)"
    ):
        dn.mm(a, a)
    with pytest.raises(ValueError, match=r"bmm: expects \(b, n, m\) and \(b, m, p\) tensors"):
        dn.bmm(a, b)
    with pytest.raises(ValueError, match=r"dot: expects two 1-D tensors of equal length"):
        dn.dot(dn.ones(2), dn.ones(3))


def test_operands_of_other_types_are_refused():
    x = dn.ones(2)
    for other in (None, "a", object()):
        with pytest.raises(TypeError, match=r"a tensor cannot be combined with a"):
            x + other
    with pytest.raises(TypeError, match=r"a tensor cannot be combined with a NoneType"):
        dn.ones(2, dtype=dn.int64) * None


def test_python_numbers_take_pytorch_dtypes():
    f32, i64 = dn.ones(2), dn.ones(2, dtype=dn.int64)
    assert (f32 * 0.5).dtype == dn.float32 and (f32 + 2).dtype == dn.float32
    assert (i64 + 1).dtype == dn.int64 and (i64 * 0.5).dtype == dn.float32 and (i64 / 2).dtype == dn.float32
    assert (dn.ones(2, dtype=dn.int32) + 1).dtype == dn.int32
    assert (dn.tensor([True, False]) + 1).dtype == dn.int64


# -- grad mode -----------------------------------------------------------------------------------
def test_no_grad_as_decorator_with_and_without_parentheses():
    w = dn.ones(2, requires_grad=True)

    @dn.no_grad()
    def f(x):
        return x * 2

    @dn.no_grad
    def g(x):
        return x * 2

    @dn.no_grad()
    def gen(x):
        for _ in range(2):
            yield x * 2

    assert not f(w).requires_grad and not g(w).requires_grad
    assert [y.requires_grad for y in gen(w)] == [False, False]
    assert dn.is_grad_enabled() and (w * 2).requires_grad


def test_set_grad_enabled_as_function_and_context():
    w = dn.ones(1, requires_grad=True)
    with dn.set_grad_enabled(False):
        assert not (w * 2).requires_grad
    assert dn.is_grad_enabled()
    dn.set_grad_enabled(False)
    try:
        assert not (w * 2).requires_grad
        with dn.enable_grad():
            assert (w * 2).requires_grad
    finally:
        dn.set_grad_enabled(True)
    assert (w * 2).requires_grad

    @dn.set_grad_enabled(False)
    def f():
        return dn.is_grad_enabled()

    assert dn.is_grad_enabled() and f() is False and dn.is_grad_enabled()
    with pytest.raises(ValueError, match=r"set_grad_enabled: mode must be True or False, got 'no'"):
        dn.set_grad_enabled("no")


def test_inference_mode():
    w = dn.ones(1, requires_grad=True)
    with dn.inference_mode():
        assert not (w * 2).requires_grad and dn.autograd.is_inference_mode_enabled()
    assert not dn.autograd.is_inference_mode_enabled()
    with dn.inference_mode(False):
        assert (w * 2).requires_grad

    @dn.inference_mode
    def f():
        return (w * 2).requires_grad

    assert f() is False


# -- structure -----------------------------------------------------------------------------------
def _class_declarations() -> dict[str, list[str]]:
    """The methods declared in Tensor's TYPE_CHECKING block: name -> parameter names."""
    tree = ast.parse((AUTOGRAD / "tensor.py").read_text())
    tensor = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Tensor")
    block = next(n for n in tensor.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING")
    found = {}
    for node in block.body:
        if isinstance(node, ast.FunctionDef):
            args = node.args
            names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs][1:]
            names += [f"*{args.vararg.arg}"] if args.vararg else []
            names += [f"**{args.kwarg.arg}"] if args.kwarg else []
            found[node.name] = sorted(names)
    return found


def test_installed_methods_are_the_declared_ones():
    declared = _class_declarations()
    assert set(declared) == set(methods.METHODS)
    for name, method in methods.METHODS.items():
        if isinstance(method, property):
            continue
        params = list(inspect.signature(method).parameters.values())[1:]
        stars = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}
        names = sorted(stars.get(p.kind, "") + p.name for p in params)
        assert names == declared[name], name
        assert getattr(dn.Tensor, name) is method


def test_autograd_files_import_each_other_without_cycles():
    graph = {}
    for path in AUTOGRAD.glob("*.py"):
        if path.name == "__init__.py":
            continue
        used = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module.startswith("deltanet.autograd."):
                    used.add(node.module.split(".")[2])
                elif node.module == "deltanet.autograd":
                    used.update(alias.name for alias in node.names)
        graph[path.stem] = used & {p.stem for p in AUTOGRAD.glob("*.py")}
    # tensor.py stands on leaves only: files that import nothing of autograd themselves
    leaves = {"versions", "size", "printing", "legacy_arguments"}
    assert "tensor" in graph and not graph["tensor"] - leaves, graph["tensor"]
    assert not any(graph[leaf] for leaf in leaves), {leaf: graph[leaf] for leaf in leaves}

    def reaches(start, goal, seen=()):
        return any(n == goal or (n not in seen and reaches(n, goal, (*seen, n))) for n in graph.get(start, ()))

    cycles = sorted(name for name in graph if reaches(name, name))
    assert not cycles
