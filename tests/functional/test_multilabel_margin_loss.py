"""F.multilabel_margin_loss and nn.MultiLabelMarginLoss: PyTorch's label sets (indices up to the
first -1), values and gradients."""

import numpy as np
import pytest

import deltanet as dn
from deltanet.nn import functional as F

X = np.array([[0.1, 0.2, 0.4, 0.8], [0.3, -0.2, 0.5, 0.1], [1.0, -1.0, 0.0, 2.0]])
Y = np.array([[3, 0, -1, 1], [1, 1, 2, -1], [-1, 0, 1, 2]])  # an index twice counts twice; -1 ends the set


def test_values_written_down():
    x = dn.tensor(X[:2], requires_grad=True)
    loss = F.multilabel_margin_loss(x, dn.tensor(Y[:2]), reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [0.85, 1.75])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), [[-0.5, 0.5, 0.5, -0.5], [0.75, -1.0, -0.5, 0.75]])
    assert F.multilabel_margin_loss(dn.tensor(X[2]), dn.tensor(Y[2])).item() == 0.0  # an empty set
    assert dn.nn.MultiLabelMarginLoss()(dn.tensor(X[0]), dn.tensor(Y[0])).shape == ()


def test_gradcheck():
    rng = np.random.default_rng(0)
    x = dn.tensor(rng.standard_normal((3, 4)), requires_grad=True)  # margins away from the kink at 0
    assert dn.gradcheck(lambda a: F.multilabel_margin_loss(a, dn.tensor(Y)), (x,))


@pytest.mark.parametrize(
    "target, message",
    [
        ([[4, 0, -1, 1]], r"indices must be in \[0, 4\) before the first -1"),
        ([[-2, 0, 1, 2]], r"indices must be in \[0, 4\) before the first -1"),
        ([[0, 1]], "must have the same shape"),
        ([[0.0, 1.0, 2.0, 3.0]], "must hold integer class indices"),
    ],
)
def test_bad_targets(target, message):
    with pytest.raises(ValueError, match=message):
        F.multilabel_margin_loss(dn.tensor(X[:1]), dn.tensor(target))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_equals_torch(reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    data = rng.standard_normal((5, 6))
    target = np.full((5, 6), -1)
    for n in range(5):
        chosen = rng.choice(6, size=n, replace=False)
        target[n, : len(chosen)] = chosen
    target[4, 3] = target[4, 0]  # a repeated index
    xt = torch.tensor(data, requires_grad=True)
    expected = torch.nn.functional.multilabel_margin_loss(xt, torch.tensor(target), reduction=reduction)
    expected.sum().backward()
    xd = dn.tensor(data, requires_grad=True)
    got = F.multilabel_margin_loss(xd, dn.tensor(target), reduction=reduction)
    got.sum().backward()
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(xd.grad.detach().numpy(), xt.grad.detach().numpy(), rtol=1e-12)
