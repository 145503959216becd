"""Every public object's docstring has what the documentation issue asks for, written so that the
site renders it as it is.

- one summary sentence;
- ``Args:`` naming every parameter, where the callable takes any (``Attributes:`` for the fields
  of a named tuple or dataclass);
- ``Shape:`` for every layer (a ``Module``);
- an ``Examples:`` section with a runnable ``>>>`` example (``tests/test_doctests.py`` runs it);
- formulas in LaTeX between ``$`` signs (MathJax renders them on the site): no Unicode math
  symbols in the prose, no Sphinx roles and no reStructuredText tables, which Markdown shows as
  raw text.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re

import pytest
from tests.conftest import deltanet_modules

from deltanet.nn import Module

# The name spaces a user reaches; their public names are the public API.
NAMESPACES = [
    "deltanet",
    "deltanet.autograd",
    "deltanet.functional",
    "deltanet.nn",
    "deltanet.losses",
    "deltanet.init",
    "deltanet.regularizers",
    "deltanet.metrics",
    "deltanet.distributions",
    "deltanet.optim",
    "deltanet.data",
    "deltanet.utils.data",
    "deltanet.utils.tensorboard",
    "deltanet.training",
    "deltanet.training.callbacks",
    "deltanet.models",
    "deltanet.io",
    "deltanet.diagnostics",
    "deltanet.inference",
    "deltanet.onnx",
    "deltanet.plot",
    "deltanet.reporting",
    "deltanet.explain",
    "deltanet.examples",
]

# Containers take whatever their members take: they have no shape of their own.
NO_SHAPE = {"Module", "Sequential", "ModuleList", "ModuleDict"}

# Math written with Unicode instead of LaTeX. "×" (sizes such as 28×28) and arrows stay allowed in prose.
UNICODE_MATH = re.compile(r"[²³⁻¹ᵀ·√Σ∑∏∂≥≤≠≈∈⊙∇−‖∞∘ᵢⱼₖₗₙ₀₁₂₃α-ωΔ⌊⌋⌈⌉±½⋆∼\u0302]")
SPHINX_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|obj|exc|data|const):`")
REST_TABLE_BORDER = re.compile(r"^\s*=+(?:\s+=+)+\s*$", re.MULTILINE)
SECTION = re.compile(r"^(\w[\w ]*):\s*$", re.MULTILINE)


def _public_objects() -> dict[str, object]:
    found: dict[str, object] = {}
    for name in NAMESPACES:
        try:
            space = importlib.import_module(name)
        except ImportError:  # an optional extra that is not installed
            continue
        names = getattr(space, "__all__", None) or [n for n in vars(space) if not n.startswith("_")]
        for attr in names:
            obj = getattr(space, attr, None)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if not getattr(obj, "__module__", "").startswith("deltanet"):
                continue
            found.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
    return dict(sorted(found.items()))


def _modules() -> list[str]:
    """The package's modules, without private ones (a ``_name`` below ``deltanet``)."""
    return [name for name in deltanet_modules() if not any(part.startswith("_") for part in name.split(".")[1:])]


PUBLIC = _public_objects()


def _prose(doc: str) -> str:
    """The docstring without what is code or LaTeX: ``>>>`` examples and their output, fenced
    blocks, inline code and ``$...$`` / ``$$...$$`` math."""
    kept: list[str] = []
    in_fence = in_example = False
    for line in doc.split("\n"):
        stripped = line.strip()
        if stripped.startswith("```"):
            in_fence = not in_fence
            continue
        if stripped.startswith((">>>", "...")):
            in_example = True
            continue
        if in_example and stripped and not SECTION.match(stripped):
            continue  # the printed output of an example
        in_example = False
        if not in_fence:
            kept.append(line)
    text = "\n".join(kept)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.DOTALL)
    text = re.sub(r"\$[^$\n]+\$", " ", text)
    text = re.sub(r"``[^`]*``|`[^`\n]*`", " ", text)
    return text


def _markup_problems(doc: str) -> list[str]:
    problems = []
    prose = _prose(doc)
    if symbols := sorted(set(UNICODE_MATH.findall(prose))):
        problems.append(f"Unicode math outside $...$: {' '.join(symbols)}")
    if prose.count("$") % 2:
        problems.append("an unbalanced $")
    if SPHINX_ROLE.search(doc):
        problems.append("a Sphinx role (write `name` instead)")
    if REST_TABLE_BORDER.search(doc):
        problems.append("a reStructuredText table (write a Markdown table)")
    if re.search(r"\S::\s*$", prose, re.MULTILINE):
        problems.append("a reStructuredText '::' literal block (write a fenced ``` block)")
    if re.search(r"^\s*Example:\s*$", doc, re.MULTILINE):
        problems.append("an 'Example:' header (write 'Examples:', the Google section)")
    return problems


def _parameters(obj: object) -> list[str]:
    try:
        signature = inspect.signature(obj)  # a class: its __init__ without self
    except (TypeError, ValueError):
        return []
    return [
        p.name
        for p in signature.parameters.values()
        if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def _section(doc: str, title: str) -> str | None:
    """The indented body of the Google section ``title``, or None."""
    match = re.search(rf"^{title}:\s*\n((?:[ \t]+.*\n?|\s*\n)*)", doc, re.MULTILINE)
    return match.group(1) if match else None


def _is_record(obj: object) -> bool:
    """A named tuple or a dataclass: its constructor arguments are its fields."""
    return inspect.isclass(obj) and (hasattr(obj, "_fields") or dataclasses.is_dataclass(obj))


def test_public_api_is_found():
    # a guard against the collection above silently finding nothing
    assert len(PUBLIC) > 200
    assert "deltanet.nn.conv.Conv2d" in PUBLIC and "deltanet.functional.activations.sigmoid" in PUBLIC


@pytest.mark.parametrize("name", list(PUBLIC))
def test_public_docstring(name):
    obj = PUBLIC[name]
    doc = inspect.getdoc(obj)
    assert doc, f"{name} has no docstring"
    problems = _markup_problems(doc)
    summary = doc.split("\n\n", 1)[0].strip()
    if not summary.endswith((".", ":")):
        problems.append(f"the summary is not a sentence: {summary[:60]!r}")
    examples = _section(doc, "Examples")
    if examples is None or ">>>" not in examples:
        problems.append("no 'Examples:' section with a >>> example")
    parameters = _parameters(obj)
    if parameters:
        args = _section(doc, "Args")
        if args is None and _is_record(obj):  # a result users read: its fields are Attributes
            args = _section(doc, "Attributes")
        if args is None:
            problems.append(f"no 'Args:' section for {parameters}")
        else:
            missing = [p for p in parameters if not re.search(rf"\b{re.escape(p)}\b", args)]
            if missing:
                problems.append(f"'Args:' does not name {missing}")
    if inspect.isclass(obj) and issubclass(obj, Module) and obj.__name__ not in NO_SHAPE:
        if _section(doc, "Shape") is None:
            problems.append("a layer without a 'Shape:' section")
    assert not problems, f"{name}: " + "; ".join(problems)


def _public_methods() -> dict[str, object]:
    """Methods and properties that the public classes define themselves (inherited ones are
    checked on the class that defines them)."""
    methods = {}
    for name, obj in PUBLIC.items():
        if not inspect.isclass(obj):
            continue
        for attr, value in vars(obj).items():
            function = value.fget if isinstance(value, property) else getattr(value, "__func__", value)
            if not attr.startswith("_") and inspect.isfunction(function):
                methods[f"{name}.{attr}"] = function
    return methods


METHODS = _public_methods()


@pytest.mark.parametrize("name", list(METHODS))
def test_public_method_docstring(name):
    # Methods need a summary and clean markup; Args and Examples are asked of the classes.
    doc = inspect.getdoc(METHODS[name])
    assert doc, f"{name} has no docstring"
    problems = _markup_problems(doc)
    assert not problems, f"{name}: " + "; ".join(problems)


@pytest.mark.parametrize("name", _modules())
def test_module_docstring_markup(name):
    try:
        module = importlib.import_module(name)
    except ImportError as error:  # an optional extra that is not installed
        pytest.skip(f"{name}: {error}")
    problems = _markup_problems(inspect.getdoc(module) or "")
    assert not problems, f"module {name}: " + "; ".join(problems)


def test_the_markup_checks_can_fail():
    assert _markup_problems("a = σ(z), a' = a(1 − a).")
    assert _markup_problems("See :class:`~deltanet.nn.Linear`.")
    assert _markup_problems("Example:\n    >>> 1\n    1")
    assert _markup_problems("An odd $ sign.")
    assert _markup_problems("For example::\n\n    x = 1")
    assert not _markup_problems(r"$a = \sigma(z)$ and $$a' = a(1 - a)$$, a 28×28 image, ``σ`` in code.")
    assert not _markup_problems("Examples:\n    >>> print('σ ≥ 0')\n    σ ≥ 0")


def test_no_source_file_holds_a_tab():
    """A tab in a docstring is a "\\t" written into a string that was not raw (``\\top`` became a
    tab and "op"): the formula reads wrong and nothing else complains."""
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src" / "deltanet"
    tabs = [
        f"{p.relative_to(src)}:{i}"
        for p in src.rglob("*.py")
        for i, line in enumerate(p.read_text().split("\n"), 1)
        if "\t" in line
    ]
    assert not tabs, tabs
