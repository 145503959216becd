r"""``set_num_threads`` and ``get_num_threads``: what they can honestly mean for a NumPy library.

deltanet's elementwise NumPy code runs on one thread; its threads are those of the BLAS library
under NumPy (OpenBLAS or MKL), which runs the matrix products (linear layers, im2col
convolutions). ``set_num_threads(n)`` limits those pools through ``threadpoolctl`` (a small
package that scikit-learn installs; ``pip install threadpoolctl``), the only way to change them
after NumPy has started. Without it, the call raises instead of pretending: set
``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` before Python starts.
"""

from __future__ import annotations

import os
from typing import Any

from deltanet import _checks as check

_limiter: list[Any] = []  # the active threadpoolctl limit, kept alive so that it stays in force


def _threadpoolctl() -> Any:
    try:
        import threadpoolctl
    except ImportError:  # pragma: no cover - the message is tested by hiding the module
        raise RuntimeError(
            "set_num_threads needs the threadpoolctl package to change the BLAS thread pools of NumPy "
            "(pip install threadpoolctl); or set OMP_NUM_THREADS before Python starts"
        ) from None
    return threadpoolctl


def set_num_threads(int: Any) -> None:  # noqa: A002 - PyTorch's parameter name
    r"""Limit the threads of NumPy's BLAS library (the matrix products) to ``int``, as PyTorch's
    ``torch.set_num_threads`` limits its intra-op pool.

    Args:
        int: the number of threads (a positive integer).

    Raises:
        RuntimeError: ``threadpoolctl`` is not installed (nothing else can change the pools).

    Examples:
        >>> import deltanet as dn
        >>> before = dn.get_num_threads()
        >>> dn.set_num_threads(1)
        >>> dn.get_num_threads()
        1
        >>> dn.set_num_threads(before)
    """
    n = check.integer(int, "int", "set_num_threads", low=1)
    controller = _threadpoolctl().ThreadpoolController()
    _limiter.clear()
    _limiter.append(controller.limit(limits=n, user_api="blas"))


def get_num_threads() -> int:
    r"""The number of threads NumPy's BLAS library uses for a product (the largest over its pools).

    Without ``threadpoolctl`` it reads ``OMP_NUM_THREADS`` (or the CPU count), which is what
    OpenBLAS starts with.

    Examples:
        >>> import deltanet as dn
        >>> dn.get_num_threads() >= 1
        True
    """
    try:
        import threadpoolctl
    except ImportError:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or (os.cpu_count() or 1))
    pools = [p["num_threads"] for p in threadpoolctl.threadpool_info() if p.get("user_api") == "blas"]
    return max(pools) if pools else 1
