"""Shared fixtures of the optimizer tests: a small 3-5-2 tanh MLP, its data and its MSE loss."""

import numpy as np
import pytest

import deltanet as dn


class Problem:
    """A 3-5-2 tanh MLP with fixed weights and data; ``loss_step`` runs forward and backward."""

    def __init__(self, dtype=np.float64, seed=0):
        rng = np.random.default_rng(seed)
        self.model = dn.nn.Sequential(
            dn.nn.Linear(3, 5, rng=rng, dtype=dtype), dn.nn.Tanh(), dn.nn.Linear(5, 2, rng=rng, dtype=dtype)
        )
        self.X = rng.standard_normal((8, 3)).astype(dtype)
        self.Y = rng.standard_normal((8, 2)).astype(dtype)
        # A parameter that never receives a gradient: every optimizer must leave it alone.
        self.unused = dn.nn.Parameter(rng.standard_normal(4).astype(dtype))

    def params(self):
        return self.model.parameters() + [self.unused]

    def loss(self):
        out = self.model(dn.tensor(self.X))
        return ((out - dn.tensor(self.Y)) ** 2).mean()

    def loss_step(self):
        for p in self.params():
            p.grad = None
        loss = self.loss()
        loss.backward()
        return loss

    def weights(self):
        return [p.array.copy() for p in self.params()]

    def torch_copy(self, torch):
        """The same model and data in PyTorch (float64), as (params, loss_step)."""
        layers = [self.model[0], self.model[2]]
        net = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2)).double()
        with torch.no_grad():
            for t_layer, layer in zip([net[0], net[2]], layers, strict=True):
                t_layer.weight.copy_(torch.from_numpy(np.asarray(layer.weight.array, dtype=np.float64)))
                t_layer.bias.copy_(torch.from_numpy(np.asarray(layer.bias.array, dtype=np.float64)))
        unused = torch.nn.Parameter(torch.from_numpy(self.unused.array.astype(np.float64)))
        X = torch.from_numpy(self.X.astype(np.float64))
        Y = torch.from_numpy(self.Y.astype(np.float64))
        params = list(net.parameters()) + [unused]

        def loss_step():
            for p in params:
                p.grad = None
            loss = ((net(X) - Y) ** 2).mean()
            loss.backward()
            return loss

        return params, loss_step


@pytest.fixture
def problem():
    return Problem


OPTIMIZER_CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.05)),
    ("SGD", dict(lr=0.1, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.3, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.3)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, eps=1e-3)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.2, initial_accumulator_value=0.1, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-4)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, alpha=0.8, momentum=0.5, centered=True, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.5))),
    ("Adam", dict(lr=0.05, betas=(0.9, 0.5), amsgrad=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, eps=1e-3, maximize=True)),
    ("Adam", dict(lr=0.05, betas=(0.7, 0.4), weight_decay=0.2, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True, betas=(0.9, 0.5))),
    ("AdamW", dict(lr=0.05, weight_decay=0.1, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-3)),
    ("Adadelta", dict(lr=2.0, weight_decay=0.1)),
    ("Adadelta", dict(lr=1.5, rho=0.8, weight_decay=0.2, maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=2)),
    ("ASGD", dict(lr=0.1, t0=0, weight_decay=0.1, maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.08))),
    ("Rprop", dict(lr=0.02, maximize=True)),
    ("Adafactor", dict()),
    ("Adafactor", dict(lr=0.05, beta2_decay=-0.5, eps=(1e-3, 1e-2), d=1.5)),
    ("Adafactor", dict(lr=0.05, weight_decay=0.1, maximize=True)),
]


def case_id(case):
    name, kwargs = case
    return name + "(" + ",".join(f"{k}={v}" for k, v in kwargs.items()) + ")"


@pytest.fixture(params=OPTIMIZER_CASES, ids=[case_id(c) for c in OPTIMIZER_CASES])
def optimizer_case(request):
    """(name, kwargs) of one optimizer configuration, for every optimizer and option."""
    return request.param
