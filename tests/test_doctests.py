"""Every ``>>>`` example in the package's docstrings runs and prints what it says."""

import doctest
import importlib

import pytest
from tests.conftest import deltanet_modules


class _Runner(doctest.DocTestRunner):
    """A runner that notes an example stopped by an optional extra that is not installed (an
    ImportError naming ``pip install "deltanet[...]"``, raised where the extra is first used)."""

    missing_extra: str | None = None

    def report_unexpected_exception(self, out, test, example, exc_info):
        if issubclass(exc_info[0], ImportError) and 'pip install "deltanet[' in str(exc_info[1]):
            self.missing_extra = str(exc_info[1])
        super().report_unexpected_exception(out, test, example, exc_info)


@pytest.mark.parametrize("name", deltanet_modules())
def test_docstring_examples(name):
    try:
        module = importlib.import_module(name)
    except ImportError as error:  # an optional extra that is not installed
        pytest.skip(f"{name}: {error}")
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = _Runner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name, globs={}):
        runner.run(test)
    if runner.missing_extra:  # the module imports without the extra, its examples need it
        pytest.skip(f"{name}: {runner.missing_extra}")
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
