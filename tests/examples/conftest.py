"""One BLAS thread for the example tests: the examples train many small convolutions and matrix
products, for which a second BLAS thread gains little, and on a busy two-core machine idle BLAS
threads spin against the other tests (the quick detection run took about 30 s of CPU with two
threads there, a few seconds with one)."""

import contextlib

import pytest


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # threadpoolctl comes with scikit-learn; without it, BLAS's own default
        limit: contextlib.AbstractContextManager = contextlib.nullcontext()
    else:
        limit = threadpool_limits(limits=1, user_api="blas")
    with limit:
        yield
