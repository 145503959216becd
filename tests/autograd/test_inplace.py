"""In-place operations: PyTorch's rules (leaf error, recorded rebase on interior tensors, version
counter), writing into the same array, views, and the training idiom ``p -= lr * p.grad``."""

import numpy as np
import pytest
from tests.conftest import t64

import deltanet as dn

LEAF_ERROR = r"a leaf Variable that requires grad is being used in an in-place operation"
VERSION_ERROR = r"modified by an inplace operation: .* is at version 1; expected version 0 instead"


# -- the same array, written in place ------------------------------------------------------------
def test_operators_write_into_the_same_array():
    a = np.zeros(3, np.float32)
    t = dn.from_numpy(a)
    t += 1
    t *= 3
    t -= 1
    t /= 2
    assert t.array is a
    np.testing.assert_array_equal(a, [1.0, 1.0, 1.0])
    assert t._version == 4


@pytest.mark.parametrize(
    "op, expected",
    [
        (lambda t: t.add_(2.0, alpha=0.5), [2.0, 3.0]),
        (lambda t: t.sub_(dn.tensor([1.0, 1.0])), [0.0, 1.0]),
        (lambda t: t.mul_(3), [3.0, 6.0]),
        (lambda t: t.div_(2), [0.5, 1.0]),
        (lambda t: t.pow_(2), [1.0, 4.0]),
        (lambda t: t.zero_(), [0.0, 0.0]),
        (lambda t: t.fill_(7), [7.0, 7.0]),
        (lambda t: t.copy_(dn.tensor([5, 6])), [5.0, 6.0]),
        (lambda t: t.clamp_(min=1.5), [1.5, 2.0]),
        (lambda t: t.masked_fill_(t > 1.5, 0.0), [1.0, 0.0]),
        (lambda t: t.addcmul_(dn.tensor([1.0, 1.0]), dn.tensor([2.0, 3.0]), value=0.5), [2.0, 3.5]),
        (lambda t: t.addcdiv_(dn.tensor([1.0, 1.0]), dn.tensor([2.0, 4.0])), [1.5, 2.25]),
        (lambda t: t.relu_(), [1.0, 2.0]),
    ],
)
def test_each_in_place_method_returns_the_tensor_and_changes_its_array(op, expected):
    t = dn.tensor([1.0, 2.0])
    array = t.array
    assert op(t) is t
    assert t.array is array
    np.testing.assert_allclose(t.array, expected)
    assert t._version == 1


def test_views_see_in_place_changes_of_their_base_and_the_base_sees_theirs():
    t = dn.zeros(2, 3)
    row, flat, tt = t[0], t.view(-1), t.T
    row.add_(1)  # writes through to t, as in PyTorch
    flat[4] = 5.0
    tt[2, 1] = 7.0
    np.testing.assert_array_equal(t.array, [[1, 1, 1], [0, 5, 7]])
    assert t._version == row._version == flat._version == 3
    t.zero_()
    assert row.tolist() == [0.0, 0.0, 0.0]


def test_a_copy_is_not_a_view():
    t = dn.zeros(3)
    for copy in (t[dn.tensor([0, 1])], t.clone(), t.repeat(1), dn.tensor(t)):
        copy.add_(1)
    assert t.tolist() == [0.0, 0.0, 0.0]


def test_expand_results_are_read_only():
    t = dn.zeros(1, 3).expand(2, 3)
    with pytest.raises(RuntimeError, match=r"read-only.*clone\(\) it first"):
        t.add_(1)


def test_bad_shapes_and_dtypes_are_refused():
    with pytest.raises(ValueError, match=r"add_: the result does not fit a tensor of shape \(3,\)"):
        dn.zeros(3).add_(dn.ones(2, 3))
    with pytest.raises(ValueError, match=r"cannot be stored in this tensor of dtype int64"):
        dn.tensor([1, 2]).add_(1.5)
    with pytest.raises(ValueError, match=r"fill_: value must be a number or a one-element tensor"):
        dn.zeros(3).fill_(dn.ones(2))
    with pytest.raises(ValueError, match=r"copy_: a source of shape \(2, 3\) does not broadcast"):
        dn.zeros(3).copy_(dn.ones(2, 3))
    with pytest.raises(ValueError, match=r"uniform_: needs a floating-point tensor"):
        dn.zeros(3, dtype=dn.int64).uniform_()
    with pytest.raises(ValueError, match=r"clamp_: give min, max or both"):
        dn.zeros(3).clamp_()


def test_random_fills_use_the_seeded_generator():
    dn.manual_seed(3)
    a = dn.empty(4).uniform_(-1, 1).tolist()
    dn.manual_seed(3)
    assert dn.empty(4).uniform_(-1, 1).tolist() == a
    assert all(-1 <= v < 1 for v in a)
    b = dn.empty(1000, dtype=dn.float64).normal_(2.0, 0.5, generator=0)
    assert b.dtype == dn.float64 and abs(b.mean().item() - 2.0) < 0.1 and abs(b.std().item() - 0.5) < 0.05
    assert dn.empty(3).normal_(generator=5).tolist() == dn.empty(3).normal_(generator=5).tolist()


# -- leaves that require grad --------------------------------------------------------------------
@pytest.mark.parametrize(
    "op",
    [
        lambda w: w.add_(1),
        lambda w: w.sub_(1),
        lambda w: w.mul_(2),
        lambda w: w.div_(2),
        lambda w: w.zero_(),
        lambda w: w.fill_(1),
        lambda w: w.copy_(dn.ones(2)),
        lambda w: w.clamp_(0, 1),
        lambda w: w.uniform_(),
        lambda w: w.normal_(),
        lambda w: w.__iadd__(1),
        lambda w: w.__setitem__(0, 3.0),
    ],
)
def test_in_place_on_a_leaf_that_requires_grad_raises_outside_no_grad(op):
    w = dn.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF_ERROR):
        op(w)
    assert w.tolist() == [1.0, 2.0] and w._version == 0
    with dn.no_grad():
        op(w)  # allowed: how parameters are updated and initialized
    assert w.is_leaf and w.requires_grad and w._version == 1


def test_views_of_a_leaf_that_requires_grad_raise():
    w = dn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"a view of a leaf Variable that requires grad"):
        w[:2].add_(1)
    with dn.no_grad():
        v = w[:2]
    with pytest.raises(RuntimeError, match=r"a view of a leaf Variable that requires grad"):
        v.add_(1)  # made under no_grad, changed with grad on: PyTorch refuses it too
    with dn.no_grad():
        v.add_(1)
    assert w.tolist() == [2.0, 3.0, 3.0]


VIEW_CASES = {
    "x[0:2] += y, x[:1] *= 5": lambda lib, a: _chain(lib, a, lambda x: (x[0:2].__iadd__(a[1:3] * 3), x[:1].mul_(5))),
    "a column changed, old and new users": lambda lib, a: _column(lib, a),
    "a view of a view of a view": lambda lib, a: _deep(lib, a),
    "a sibling view used after the change": lambda lib, a: _sibling(lib, a),
    "the base changed, a view used after": lambda lib, a: _base_changed(lib, a),
    "a constant base gains a history": lambda lib, a: _constant_base(lib, a),
}


def _chain(lib, a, change):
    x = a * 2
    change(x)
    return x.sum() * x[2]


def _column(lib, a):
    x = a.exp() * 1
    before = x.sum()
    v = x[0:3]
    v.mul_(a[3:6])
    return before + x.sum() + v.sum()


def _deep(lib, a):
    x = a * 2
    v = x.view(2, 3).t()[1:]
    v.mul_(a.view(2, 3).t()[1:])
    v.add_(1)
    return v.sum() * x.sum()


def _sibling(lib, a):
    x = a * 2
    v, w = x[0:2], x[1:3]
    v.mul_(2)
    return w.sum() * x[5]


def _base_changed(lib, a):
    x = a * 1
    rows = x.view(2, 3)
    first = rows[0]
    x.mul_(3)
    return first.sum() * rows.sum()


def _constant_base(lib, a):
    x = lib.zeros(6, dtype=lib.float64)
    w = x[1:3]
    x[0:2] += a[:2]
    return (w * a[0]).sum() + a.sum()


@pytest.mark.parametrize("name", list(VIEW_CASES))
def test_in_place_changes_of_views_match_pytorch(name):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (dn, torch):
        a = lib.tensor(np.arange(1.0, 7.0), requires_grad=True)
        out = VIEW_CASES[name](lib, a)
        out.backward()
        results.append((out.item(), a.grad.numpy()))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)


@pytest.mark.parametrize("name", list(VIEW_CASES))
def test_in_place_changes_of_views_gradcheck(name):
    a = dn.tensor(np.arange(1.0, 7.0) / 3, requires_grad=True)
    assert dn.gradcheck(lambda t: VIEW_CASES[name](dn, t), [a])


def test_views_made_under_no_grad_of_a_tensor_that_requires_grad_are_refused():
    b = dn.tensor([1.0, 2.0], requires_grad=True) * 1
    with dn.no_grad():
        v = b[0:1]
    with pytest.raises(RuntimeError, match=r"a view was created in no_grad mode and is being modified in place"):
        v.add_(1)


def test_the_pytorch_training_idiom_updates_the_parameters(rng):
    torch = pytest.importorskip("torch")
    X, y = rng.standard_normal((8, 3)), rng.integers(0, 2, 8)
    W0, b0 = rng.standard_normal((2, 3)) * 0.1, np.zeros(2)
    results = []
    for lib in (dn, torch):
        W = lib.tensor(W0.copy(), requires_grad=True)
        b = lib.tensor(b0.copy(), requires_grad=True)
        losses = []
        for _ in range(5):
            logits = lib.tensor(X) @ W.T + b
            loss = -(logits.log_softmax(dim=1)[lib.arange(8), lib.tensor(y)]).mean()
            loss.backward()
            with lib.no_grad():
                for p in (W, b):
                    p -= 0.5 * p.grad
                    p.grad.zero_()
            losses.append(loss.item())
        results.append((losses, W.detach().numpy().copy(), b.grad.numpy().copy()))
    (l_dn, w_dn, g_dn), (l_t, w_t, g_t) = results
    assert l_dn[-1] < l_dn[0]  # not flat: the update happened
    np.testing.assert_allclose(l_dn, l_t, rtol=1e-10)
    np.testing.assert_allclose(w_dn, w_t, rtol=1e-10)
    np.testing.assert_array_equal(g_dn, g_t)  # zero_() after each step


# -- recorded in-place operations on interior tensors --------------------------------------------
@pytest.mark.parametrize(
    "change",
    [
        lambda y, x: y.add_(x, alpha=2.0),
        lambda y, x: y.sub_(x * x),
        lambda y, x: y.mul_(x),
        lambda y, x: y.div_(x + 3.0),
        lambda y, x: y.pow_(2),
        lambda y, x: y.clamp_(-0.5, 0.5),
        lambda y, x: y.masked_fill_(x.array > 0, 0.25),
        lambda y, x: y.copy_(x.sin()),
        lambda y, x: y.zero_(),
        lambda y, x: y.__setitem__((slice(0, 2),), x[1:3] * 2),
        lambda y, x: y.__itruediv__(2.0),
    ],
)
def test_recorded_in_place_changes_have_exact_gradients(rng, change):
    x = t64(rng, (4,))

    def f(x):
        y = x.exp() * 1  # an interior tensor
        before = y.sum() * 0.5  # a user of the old value
        change(y, x)
        return y * 3 + before

    assert dn.gradcheck(f, [x])


def test_rebase_gives_old_and_new_users_their_own_values():
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (dn, torch):
        a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = a * 2
        old_sum = y.sum()  # saw y = 2a
        y.mul_(a)  # y = 2a^2
        y.add_(1)
        (y.sum() + old_sum).backward()
        assert not y.is_leaf and y.requires_grad
        grads.append(a.grad.tolist())
    assert grads[0] == grads[1] == [6.0, 10.0, 14.0]


def test_an_integer_tensor_takes_values_but_no_gradient():
    w = dn.tensor([1.5], requires_grad=True)
    n = dn.zeros(3, dtype=dn.int64)
    n[0] = w  # converted, as in PyTorch, and no history: integers carry no gradient
    assert n.tolist() == [1, 0, 0] and n.is_leaf and not n.requires_grad
    with pytest.raises(ValueError, match=r"cannot be stored in this tensor of dtype int64"):
        n.add_(w)


def test_a_leaf_that_requires_no_grad_becomes_interior_when_changed_with_one_that_does():
    w = dn.tensor([1.0, 2.0], requires_grad=True)
    acc = dn.zeros(2)
    acc += w * w
    acc[0] = w[1] * 10
    assert not acc.is_leaf and acc.requires_grad
    acc.sum().backward()
    assert w.grad.tolist() == [0.0, 14.0]


# -- the version counter -------------------------------------------------------------------------
def test_a_saved_input_changed_in_place_raises_at_backward():
    a = dn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = a * 1
    z = y * y  # Mul saves y
    y.add_(1)
    with pytest.raises(RuntimeError, match=VERSION_ERROR):
        z.sum().backward()
    assert a.grad is None  # nothing was accumulated before the error


def test_a_saved_output_changed_in_place_raises_at_backward():
    a = dn.tensor([1.0, 2.0], requires_grad=True)
    y = a.exp()  # Exp saves its output
    y.add_(1)
    with pytest.raises(RuntimeError, match=r"which is output 0 of Exp, is at version 1; expected version 0"):
        y.sum().backward()


def test_unsaved_tensors_may_change():
    a = dn.tensor([1.0, 2.0], requires_grad=True)
    y = a * 1
    z = y + 1  # Add saves nothing
    e = y.exp()  # Exp saves its output, not y
    y.add_(1)
    (z.sum() + e.sum()).backward()
    np.testing.assert_allclose(a.grad.array, 1 + np.exp([1.0, 2.0]), rtol=1e-6)


def test_changes_through_a_view_or_a_detached_tensor_count_too():
    a = dn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = a * 1
    z = y * y
    with dn.no_grad():
        y[0] = 5.0  # through the base, without recording
    with pytest.raises(RuntimeError, match=VERSION_ERROR):
        z.sum().backward()
    w = dn.tensor([1.0, 2.0], requires_grad=True)
    z = w * w
    w.detach().zero_()  # detach shares memory and the version counter, as in PyTorch
    assert w._version == 1
    with pytest.raises(RuntimeError, match=r"which is a leaf, is at version 1; expected version 0"):
        z.sum().backward()


def test_version_errors_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    cases = {
        "saved input": lambda lib, a: (lambda y: (y * y, y.add_(1))[0])(a * 1),
        "saved output": lambda lib, a: (lambda y: (y, y.add_(1))[0])(a.exp()),
        "unsaved input": lambda lib, a: (lambda y: (y + 1, y.add_(1))[0])(a * 1),
        "sigmoid output, changed by its user": lambda lib, a: (lambda s: (s, s.mul_(2))[0])(a.sigmoid()),
        "mul_ of itself": lambda lib, a: (lambda y: y.mul_(y))(a * 1),
        "tanh, then changed through a view": lambda lib, a: (lambda t: (t, t.detach()[0:1].zero_())[0])(a.tanh()),
    }
    for name, case in cases.items():
        outcomes = []
        for lib in (dn, torch):
            a = lib.tensor([0.5, 1.5], requires_grad=True)
            try:
                case(lib, a).sum().backward()
                outcomes.append(("ok", [round(g, 6) for g in a.grad.tolist()]))
            except RuntimeError as error:
                assert "modified by an inplace operation" in str(error), (name, str(error))
                outcomes.append(("error", None))
        assert outcomes[0] == outcomes[1], name


def test_requires_grad_():
    x = dn.zeros(2)
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad
    with pytest.raises(ValueError, match=r"only floating-point tensors can require gradients"):
        dn.zeros(2, dtype=dn.int64).requires_grad_()
    y = dn.zeros(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"only change requires_grad flags of leaf variables"):
        y.requires_grad_(False)
    with pytest.raises(ValueError, match=r"requires_grad must be True or False, got 'yes'"):
        x.requires_grad_("yes")


def test_assigning_requires_grad_is_checked_as_requires_grad_is():
    """``t.requires_grad = v`` was stored as given: an integer tensor then received gradients
    rounded to integers, and a computed tensor switched off cut its inputs out of backward()."""
    x = dn.zeros(2)
    x.requires_grad = True
    assert x.requires_grad and (x * 2).requires_grad
    x.requires_grad = np.False_
    assert x.requires_grad is False
    for bad in ("yes", 1, None):
        with pytest.raises(ValueError, match=r"^requires_grad must be True or False, got "):
            x.requires_grad = bad
    assert x.requires_grad is False
    counts = dn.tensor([1, 2])
    with pytest.raises(ValueError, match=r"only floating-point tensors can require gradients, got dtype int64"):
        counts.requires_grad = True
    assert not counts.requires_grad
    w = dn.tensor([1.0, 2.0], requires_grad=True)
    y = w * 3
    with pytest.raises(RuntimeError, match=r"only change requires_grad flags of leaf variables.*detach"):
        y.requires_grad = False
    y.requires_grad = True  # already on: allowed, as in PyTorch
    y.sum().backward()
    np.testing.assert_array_equal(w.grad.array, [3.0, 3.0])
    p = dn.nn.Parameter(np.zeros(2, np.float32))
    p.requires_grad = False
    assert not p.requires_grad and not (p * 2).requires_grad


def test_the_version_message_counts_the_edits():
    a = dn.tensor([1.0, 2.0], requires_grad=True)
    y = a * 1
    y.add_(1)  # version 1, before z saved y
    z = y * y
    y.add_(1)
    y.add_(1)
    with pytest.raises(RuntimeError, match=r"is at version 3; expected version 1 instead"):
        z.sum().backward()
    y = a * 1
    z = y * y
    with dn.no_grad():
        for _ in range(40):
            y.add_(0)
    with pytest.raises(RuntimeError, match=r"is at version 40; expected an earlier version instead"):
        z.sum().backward()


@pytest.mark.parametrize("name", ["exp_", "log_", "sqrt_", "sigmoid_", "tanh_", "sin_", "cos_", "abs_", "neg_"])
def test_elementwise_in_place_methods_are_pytorchs(name):
    torch = pytest.importorskip("torch")
    a = np.array([[0.5, 1.5], [2.0, 0.25]])
    x, tx = dn.tensor(a.copy()), torch.tensor(a.copy())
    assert getattr(x, name)() is x
    getattr(tx, name)()
    np.testing.assert_allclose(x.numpy(), tx.numpy(), rtol=1e-12)
    # recorded: the gradient flows through the in-place op as through its out-of-place twin
    w, tw = dn.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = w * 1.0, tw * 1.0
    getattr(y, name)().sum().backward()
    getattr(ty, name)().sum().backward()
    np.testing.assert_allclose(w.grad, tw.grad.numpy(), rtol=1e-12)
    assert dn.gradcheck(lambda t: getattr(t * 1.0, name)(), [dn.tensor(a, requires_grad=True)])


def test_real_in_place_methods_refuse_integer_tensors():
    with pytest.raises(ValueError, match=r"exp_: the result cannot be stored in this tensor of dtype int64"):
        dn.tensor([1, 2]).exp_()
    x = dn.tensor([-1, 2])
    assert x.abs_().tolist() == [1, 2] and x.neg_().tolist() == [-1, -2]
    with pytest.raises(RuntimeError, match=r"a leaf Variable that requires grad"):
        dn.tensor([1.0], requires_grad=True).sigmoid_()
