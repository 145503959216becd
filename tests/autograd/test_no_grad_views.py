"""A view taken under ``no_grad`` of a tensor that requires grad requires grad too, as in PyTorch:
a leaf without history, whose gradient ``backward`` drops (its ``.grad`` and its base's stay
None). Copies (``clone``, indexing with a list) and ``detach`` do not require grad."""

import pytest

import deltanet as dn

MADE = {
    "slice": lambda t: t[:2],
    "index": lambda t: t[0],
    "view": lambda t: t.view(3),
    "reshape": lambda t: t.reshape(3, 1),
    "unsqueeze": lambda t: t.unsqueeze(0),
    "expand": lambda t: t.expand(2, 3),
    "unbind": lambda t: t.unbind(0)[1],
    "chunk": lambda t: t.chunk(3)[0],
    "as_strided": lambda t: t.as_strided((2,), (1,)),
    "unfold": lambda t: t.unfold(0, 2, 1),
    "clone": lambda t: t.clone(),
    "list index": lambda t: t[[0, 1]],
    "detach": lambda t: t.detach(),
    "product": lambda t: t * 2,
}
VIEWS = {"slice", "index", "view", "reshape", "unsqueeze", "expand", "unbind", "chunk", "as_strided", "unfold"}


def _made_under_no_grad(lib, name, leaf):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    base = x if leaf else x * 1
    with lib.no_grad():
        v = MADE[name](base)
    return x, v


@pytest.mark.parametrize("leaf", [True, False], ids=["of a leaf", "of an intermediate"])
@pytest.mark.parametrize("name", list(MADE))
def test_views_require_grad_and_copies_do_not(name, leaf):
    _, v = _made_under_no_grad(dn, name, leaf)
    assert v.requires_grad == (name in VIEWS)
    assert v.is_leaf and v.grad_fn is None


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_their_gradient_is_dropped(name):
    x, v = _made_under_no_grad(dn, name, leaf=True)
    out = (v * 2).sum()
    assert out.requires_grad
    out.backward()
    assert v.grad is None and x.grad is None


def test_autograd_grad_finds_them_unused_as_pytorch():
    x, v = _made_under_no_grad(dn, "slice", leaf=True)
    with pytest.raises(RuntimeError, match=r"appears to not have been used in the graph"):
        dn.autograd.grad((v * 2).sum(), v)
    assert dn.autograd.grad((v * 2).sum(), v, allow_unused=True) == (None,)


def test_they_may_be_changed_in_place_only_under_no_grad():
    y = dn.tensor([1.0, 2.0, 3.0], requires_grad=True) * 1
    with dn.no_grad():
        v = y[:2]
        v.mul_(2)
    assert y.tolist() == [2.0, 4.0, 3.0]
    with pytest.raises(RuntimeError, match=r"a view was created in no_grad mode"):
        v.add_(1)


def test_a_view_of_a_tensor_that_does_not_require_grad_is_unaffected():
    a = dn.zeros(3)
    with dn.no_grad():
        v = a[:2]
    assert not v.requires_grad
    v.requires_grad_()
    (v * 3).sum().backward()
    assert v.grad.tolist() == [3.0, 3.0]


@pytest.mark.parametrize("leaf", [True, False], ids=["of a leaf", "of an intermediate"])
@pytest.mark.parametrize("name", list(MADE))
def test_requires_grad_and_gradients_equal_pytorchs(name, leaf):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (dn, torch):
        x, v = _made_under_no_grad(lib, name, leaf)
        seen = [v.requires_grad, v.is_leaf, v.grad_fn is None]
        if v.requires_grad:
            (v * 2).sum().backward()
            seen += [v.grad is None, x.grad is None]
        results.append(seen)
    assert results[0] == results[1]
