"""torch.nn.utils.stateless.functional_call and torch.func.functional_call: tied weights (one
value stands for all names; two different values raise), strict (checked after tying, sorted
keys), buffers (written back when reassigned), PyTorch's errors and deprecation warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from deltanet.nn.utils.stateless import functional_call as stateless_call

import deltanet as dn
from deltanet.func import functional_call


class Tied(dn.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = dn.nn.Linear(2, 2, bias=False, dtype=np.float64)
        self.b = dn.nn.Linear(2, 2, bias=False, dtype=np.float64)
        self.b.weight = self.a.weight
        self.register_buffer("buf", dn.tensor([1.0, 2.0], dtype=dn.float64))

    def forward(self, x):
        return self.b(self.a(x)) + self.buf


class Counter(dn.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("count", dn.zeros(()))

    def forward(self, x):
        self.count = self.count + 1
        return x + self.count


X = dn.tensor([[1.0, 1.0]], dtype=dn.float64)
W = dn.tensor([[1.0, 0.0], [0.0, 2.0]], dtype=dn.float64)


def test_one_value_stands_for_every_tied_name():
    m = Tied()
    for key in ("a.weight", "b.weight"):
        assert functional_call(m, {key: W}, (X,)).tolist() == [[2.0, 6.0]]
    assert functional_call(m, {"a.weight": W, "b.weight": W}, X).tolist() == [[2.0, 6.0]]
    untied = functional_call(m, {"a.weight": W}, X, tie_weights=False).detach().numpy()
    np.testing.assert_allclose(
        untied, (X.detach().numpy() @ W.detach().numpy().T) @ m.a.weight.detach().numpy().T + [1.0, 2.0]
    )


def test_two_values_for_one_tied_tensor_raise():
    with pytest.raises(ValueError, match=r"multiple values for keys \['a.weight', 'b.weight'\], which are tied"):
        functional_call(Tied(), {"a.weight": W, "b.weight": 2 * W}, X)


def test_strict_counts_tied_names_and_sorts_the_keys():
    m = Tied()
    out = functional_call(m, {"a.weight": W, "buf": dn.zeros(2, dtype=dn.float64)}, X, strict=True)
    assert out.tolist() == [[1.0, 4.0]]
    with pytest.raises(RuntimeError, match=r"Missing key\(s\): 'b.weight', 'buf'\."):
        functional_call(m, {"a.weight": W}, X, strict=True, tie_weights=False)
    every = {"a.weight": W, "b.weight": W, "buf": W[0], "zz": W, "aa": W}
    with pytest.raises(RuntimeError, match=r"Tied:\n\tUnexpected key\(s\): 'aa', 'zz'\.$"):
        functional_call(m, every, X, strict=True)


def test_buffers_are_replaced_and_a_reassigned_one_written_back():
    m = Tied()
    out = functional_call(m, {"buf": dn.tensor([10.0, 20.0], dtype=dn.float64)}, X).detach().numpy()
    np.testing.assert_allclose(out - m(X).detach().numpy(), [[9.0, 18.0]])
    assert m.buf.tolist() == [1.0, 2.0]
    c = Counter()
    given = {"count": dn.zeros(())}
    assert functional_call(c, given, dn.zeros(1)).tolist() == [1.0]
    assert given["count"].item() == 1.0 and c.count.item() == 0.0


def test_errors_of_the_dicts():
    m = Tied()
    with pytest.raises(ValueError, match="Expected all elements of parameter_and_buffer_dicts to be dictionaries"):
        functional_call(m, [W], X)
    with pytest.raises(ValueError, match=r"\['buf'\] appeared in multiple dictionaries"):
        functional_call(m, ({"buf": W[0]}, {"buf": W[1]}), X)
    with pytest.raises(ValueError, match="Expected parameter_and_buffer_dicts to be a dict, or a list/tuple"):
        functional_call(m, 3, X)


def test_stateless_warns_as_pytorch_and_calls():
    with pytest.warns(FutureWarning, match="torch.nn.utils.stateless.functional_call` is deprecated"):
        out = stateless_call(Tied(), {"a.weight": W}, X)
    assert out.tolist() == [[2.0, 6.0]]


def test_a_pruned_module_computes_from_the_given_orig():
    from deltanet.nn.utils import prune

    m = prune.custom_from_mask(dn.nn.Linear(2, 1, bias=False, dtype=np.float64), "weight", dn.tensor([[1.0, 0.0]]))
    out = functional_call(m, {"weight_orig": dn.tensor([[3.0, 4.0]], dtype=dn.float64)}, X)
    assert out.tolist() == [[3.0]]


def test_as_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = Tied(), torch.nn.Module()
    theirs.a = torch.nn.Linear(2, 2, bias=False).double()
    theirs.b = theirs.a
    weight = np.array([[0.5, -1.0], [2.0, 0.25]])
    ours.a.weight.data[...] = weight
    theirs.a.weight.data = torch.from_numpy(weight.copy())
    given_o = {"a.weight": dn.tensor(weight * 2), "buf": dn.tensor([3.0, 4.0], dtype=dn.float64)}
    theirs.register_buffer("buf", torch.tensor([1.0, 2.0], dtype=torch.float64))
    theirs.forward = lambda x: theirs.b(theirs.a(x)) + theirs.buf
    given_t = {"a.weight": torch.from_numpy(weight * 2), "buf": torch.tensor([3.0, 4.0], dtype=torch.float64)}
    x = np.array([[1.0, -2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        expected = torch.func.functional_call(theirs, given_t, torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(functional_call(ours, given_o, dn.tensor(x)).detach().numpy(), expected)
