"""Where W1's time is not: its step replayed without modules, graph nodes or the engine's walk.

W1 (a 4-16-3 sigmoid MLP, full batch of 150, plain SGD) runs deltanet's step at about 67 µs and
the bare NumPy calls at about 47 (``w1_floor.py``). Issue 17 proposed capturing the step and
replaying it without the graph. This script times that replay beside the eager step, in
alternating rounds: each layer's ``Function`` called on arrays with the ``needs_input_grad`` that
``Function.apply`` would give it, the loss's own code (with its checks of the targets) on a leaf,
its delta from ``L.backward()``, the gradients handed to the parameters as the engine hands them,
and the optimizer's own ``step()``. The results are the eager step's, bit for bit (a test checks
it). It took as long as the eager step (67.1-67.3 against 66.8-67.5 µs, best of 4 rounds, in two
runs), so the graph's bookkeeping is not where the 20 µs above the bare calls go (see
``CONTRIBUTING.md``).

    python benchmarks/w1_replay.py            # unset OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE first
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import time_step  # noqa: E402
from workloads import LIBRARIES, WORKLOADS, _data, deltanet_mlp  # noqa: E402


def replayed_step() -> tuple[Callable[[], float], object]:
    """W1's step replayed without the graph, from the initial weights of deltanet's W1 model;
    returns the step (it returns the loss) and the model."""
    import deltanet as dn
    from deltanet import losses, nn
    from deltanet.autograd.engine import _accumulate_leaf as accumulate_leaf  # the engine's own
    from deltanet.autograd.ops import Sigmoid
    from deltanet.autograd.tensor import leaf
    from deltanet.functional.linear import Linear

    X, y = _data(WORKLOADS["W1"])
    model, opt = deltanet_mlp("W1")
    plan = [(Linear, (m.weight, m.bias)) if isinstance(m, nn.Linear) else (Sigmoid, ()) for m in model]
    loss_fn = losses.CrossEntropy()
    xb, yb = dn.tensor(X), dn.tensor(y)

    def step() -> float:
        opt.zero_grad()
        a, links, running = xb.data, [], False  # 1. feed forward: the layers' Functions on arrays
        for function, params in plan:
            fn = function.__new__(function)
            fn.needs_input_grad = (running,) + tuple(p.requires_grad for p in params)
            a = fn.forward(a, *[p.data for p in params])
            links.append((fn, params))
            running = True
        z = leaf(a)
        z.requires_grad = True
        loss = loss_fn(z, yb)  # 2. the loss's own code and checks
        loss.backward()  # its delta lands in z.grad
        delta, given = z.grad.data, set()
        for fn, params in reversed(links):  # 3. backpropagate, handing gradients as the engine does
            grads = fn.backward(delta)
            grads = grads if isinstance(grads, tuple) else (grads,)
            for p, g in zip(params, grads[1:], strict=True):
                accumulate_leaf(p, g, given)
            delta = grads[0]
            if delta is None:
                break
        opt.step()  # 4. optimize
        return loss.item()

    return step, model


def main() -> None:
    rounds: dict[str, list[float]] = {"replayed": [], "deltanet": []}
    for _ in range(4):  # alternate, so that the machine's noise falls on both
        rounds["replayed"].append(time_step(replayed_step()[0], seconds=1.0))
        rounds["deltanet"].append(time_step(LIBRARIES["deltanet"]("W1")[0], seconds=1.0))
    for name, times in rounds.items():
        print(f"W1 {name:9s} {min(times) * 1e6:7.1f} µs/step (best of {len(times)} rounds)")


if __name__ == "__main__":
    main()
