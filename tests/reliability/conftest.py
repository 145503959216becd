"""Keep hypothesis's caches out of the repository (it writes ``.hypothesis/`` by default)."""

import os
import tempfile

try:
    from hypothesis.configuration import set_hypothesis_home_dir
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    pass
else:
    set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "deltanet-tests-hypothesis"))
