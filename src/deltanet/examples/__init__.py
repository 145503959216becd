"""Layer 8: the worked examples of the seeds as runnable, tested programs.

Each example is a module with ``run(...)`` (returns a dict of results, for tests) and
``main(argv)`` (the command line). ``deltanet examples list`` shows them and
``deltanet examples run NAME`` runs one.

Example:
    >>> from deltanet import examples
    >>> sorted(examples.EXAMPLES)
    ['iris']
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: name -> (module, one-line description)
EXAMPLES: dict[str, tuple[str, str]] = {
    "iris": (
        "deltanet.examples.iris",
        "4-16-3 sigmoid network on Fisher's iris flowers (seeds/001); prints the test accuracy",
    ),
}


def load(name: str) -> ModuleType:
    """The module of the example called ``name``."""
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}; available examples: {', '.join(sorted(EXAMPLES))}")
    return importlib.import_module(EXAMPLES[name][0])


__all__ = ["EXAMPLES", "load"]
