"""F.ctc_loss and nn.CTCLoss: the loss against a brute force over every alignment, the gradient of
``ctc_loss(log_softmax(z))`` by gradcheck, and values and gradients with respect to the
log-probabilities equal to PyTorch's (its gradient e^x - gamma, for every reduction, target layout,
blank and zero_infinity), with PyTorch's errors."""

import itertools

import numpy as np
import pytest

import deltanet as dn
import deltanet.nn.functional as F

RNG = np.random.default_rng(0)


def log_softmax(z: np.ndarray) -> np.ndarray:
    return z - np.logaddexp.reduce(z, axis=-1, keepdims=True)


def brute_force_nll(x: np.ndarray, label: list, blank: int) -> float:
    """-log of the sum over the paths of T classes that collapse to ``label`` (repeats merged, blanks removed)."""
    T, C = x.shape
    total = 0.0
    for path in itertools.product(range(C), repeat=T):
        merged = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
        if [k for k in merged if k != blank] == list(label):
            total += np.exp(sum(x[t, k] for t, k in enumerate(path)))
    return -np.log(total) if total > 0 else np.inf


def problem(T=4, N=3, C=3, blank=0, dtype=np.float64):
    """Log-probabilities (T, N, C), padded targets (N, 3), input lengths and target lengths."""
    x = log_softmax(RNG.standard_normal((T, N, C))).astype(dtype)
    labels = [k for k in range(C) if k != blank]
    targets = RNG.choice(labels, size=(N, 3))
    return x, targets


# -- the loss: every alignment counted -------------------------------------------------------------
@pytest.mark.parametrize("blank", [0, 2])
def test_the_loss_is_minus_log_of_the_sum_over_all_alignments(blank):
    x, _ = problem(T=4, N=5, C=3, blank=blank)
    other = [k for k in range(3) if k != blank]
    targets = np.array([[other[0], other[1], 0], [other[0], other[0], 0], [other[1], 0, 0], [0, 0, 0], [other[0]] * 3])
    targets = np.where(np.arange(3) < [[2], [2], [1], [0], [3]], targets, blank)
    input_lengths, target_lengths = np.array([4, 4, 3, 2, 4]), np.array([2, 2, 1, 0, 3])
    got = F.ctc_loss(dn.tensor(x), targets, input_lengths, target_lengths, blank=blank, reduction="none")
    expected = [
        brute_force_nll(x[: input_lengths[n], n], list(targets[n, : target_lengths[n]]), blank) for n in range(5)
    ]
    np.testing.assert_allclose(got.array, expected, rtol=1e-12)
    assert got.array[4] == np.inf  # three equal labels need five steps (a blank between each two)


def test_reductions_layouts_and_one_sample():
    x, targets = problem(T=4, N=3, C=4)
    il, tl = (4, 3, 4), (3, 1, 2)
    per_sample = np.array([brute_force_nll(x[: il[n], n], list(targets[n, : tl[n]]), 0) for n in range(3)])
    concatenated = np.concatenate([targets[n, : tl[n]] for n in range(3)])
    for layout in (targets, concatenated):
        mean = F.ctc_loss(dn.tensor(x), layout, il, tl).item()
        assert mean == pytest.approx(np.mean(per_sample / np.array(tl)), rel=1e-12)
        assert F.ctc_loss(dn.tensor(x), layout, il, tl, reduction="sum").item() == pytest.approx(per_sample.sum())
    one = F.ctc_loss(dn.tensor(x[:, 1]), targets[1, :1], (3,), (1,), reduction="none")
    assert one.shape == () and one.item() == pytest.approx(per_sample[1])
    assert F.ctc_loss(dn.tensor(x[:, 1]), targets[1:2, :1], (3,), (1,), reduction="mean").item() == pytest.approx(
        per_sample[1]
    )


def test_edge_lengths_give_pytorchs_values():
    x, targets = problem(T=3, N=4, C=3)
    got = F.ctc_loss(dn.tensor(x), targets, (0, 0, 1, 3), (0, 1, 2, 0), reduction="none").array
    assert got[0] == 0 and np.signbit(got[0])  # no step, no label: -log 1, PyTorch's -0.0
    assert got[1] == np.inf and got[2] == np.inf  # a label with no step left for it
    assert got[3] == pytest.approx(-x[:, 3, 0].sum())  # an empty target: blanks all the way
    zeroed = F.ctc_loss(dn.tensor(x), targets, (0, 0, 1, 3), (0, 1, 2, 0), reduction="none", zero_infinity=True)
    np.testing.assert_array_equal(zeroed.array[:3], 0)
    # "mean" divides by the target length clamped to 1: the empty target counts as one
    mean = F.ctc_loss(dn.tensor(x), targets, (3, 3, 3, 3), (0, 1, 2, 1)).item()
    each = F.ctc_loss(dn.tensor(x), targets, (3, 3, 3, 3), (0, 1, 2, 1), reduction="none").array
    assert mean == pytest.approx(np.mean(each / np.array([1, 1, 2, 1])))


# -- the gradient -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "options",
    [
        {"reduction": "mean"},
        {"reduction": "sum", "blank": 2},
        {"reduction": "none", "zero_infinity": True},
        {"reduction": "mean", "concatenated": True},
    ],
)
def test_gradcheck_through_log_softmax(options):
    options = dict(options)
    concatenated = options.pop("concatenated", False)
    blank = options.get("blank", 0)
    _, targets = problem(T=5, N=3, C=4, blank=blank)
    il, tl = (5, 4, 2), (3, 2, 2)  # the last is impossible: infinite unless zero_infinity
    if options["reduction"] != "none" and not options.get("zero_infinity"):
        il = (5, 4, 3)
    layout = np.concatenate([targets[n, : tl[n]] for n in range(3)]) if concatenated else targets
    z = dn.tensor(RNG.standard_normal((5, 3, 4)), requires_grad=True)
    assert dn.gradcheck(lambda a: F.ctc_loss(F.log_softmax(a, 2), layout, il, tl, **options), (z,))


def test_gradcheck_of_one_sample():
    z = dn.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    assert dn.gradcheck(lambda a: F.ctc_loss(F.log_softmax(a, 1), np.array([1, 1]), (4,), (2,)), (z,))


def test_the_gradient_is_e_to_the_x_minus_the_posteriors():
    """PyTorch's gradient with respect to log_probs: its sum over the classes is 0 at each step (1 - 1)."""
    x, targets = problem(T=5, N=2, C=4)
    a = dn.tensor(x, requires_grad=True)
    F.ctc_loss(a, targets, (5, 3), (2, 1), reduction="sum").backward()
    np.testing.assert_allclose(a.grad.array[:3].sum(axis=2), 0, atol=1e-12)
    gamma = np.exp(x) - a.grad.array  # the posteriors of the classes: probabilities, 0 past the input
    assert (gamma[:3] > -1e-12).all() and (gamma[:3] < 1 + 1e-12).all()
    np.testing.assert_array_equal(a.grad.array[3:, 1], 0)


def test_float32_in_float32_out():
    x, targets = problem(T=5, N=2, C=4, dtype=np.float32)
    a = dn.tensor(x, requires_grad=True)
    loss = F.ctc_loss(a, targets, (5, 4), (2, 1))
    loss.backward()
    assert loss.dtype == np.float32 and a.grad.dtype == np.float32
    b = dn.tensor(x.astype(np.float64), requires_grad=True)
    F.ctc_loss(b, targets, (5, 4), (2, 1)).backward()
    assert loss.item() == pytest.approx(F.ctc_loss(b, targets, (5, 4), (2, 1)).item(), rel=1e-5)
    np.testing.assert_allclose(a.grad.array, b.grad.array, atol=1e-6)


def test_non_contiguous_log_probs_and_lengths_of_every_kind():
    x, targets = problem(T=5, N=2, C=4)
    expected = F.ctc_loss(dn.tensor(x), targets, (5, 4), (2, 3), reduction="none").array
    wide = np.zeros((5, 2, 8))
    wide[..., ::2] = x
    for il, tl in (
        ([5, 4], [2, 3]),
        (np.array([5, 4], np.int32), np.array([2, 3])),
        (dn.tensor([5, 4]), dn.tensor([[2, 3]])),  # any shape, flattened as PyTorch does
    ):
        got = F.ctc_loss(dn.tensor(wide[..., ::2]), dn.tensor(targets.astype(np.int32)), il, tl, reduction="none")
        np.testing.assert_array_equal(got.array, expected)
    # float targets holding whole numbers, which PyTorch casts to int64
    np.testing.assert_array_equal(
        F.ctc_loss(dn.tensor(x), targets * 1.0, (5, 4), (2, 3), reduction="none").array, expected
    )


def test_the_module():
    x, targets = problem(T=5, N=2, C=4)
    loss = dn.nn.CTCLoss(blank=3, reduction="sum", zero_infinity=True)
    assert repr(loss) == "CTCLoss(blank=3, reduction='sum', zero_infinity=True)"
    targets = np.where(targets == 3, 1, targets)
    expected = F.ctc_loss(dn.tensor(x), targets, (5, 1), (2, 2), blank=3, reduction="sum", zero_infinity=True)
    assert loss(dn.tensor(x), targets, (5, 1), (2, 2)).item() == expected.item()
    assert dn.losses.CTCLoss is dn.nn.CTCLoss
    with pytest.raises(ValueError, match=r"CTCLoss: blank must be a non-negative integer, got -1"):
        dn.nn.CTCLoss(blank=-1)


# -- bad inputs ----------------------------------------------------------------------------------------
X, TARGETS = problem(T=4, N=2, C=3)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "pattern"),
    [
        ((X[:, 0, 0], TARGETS, (4, 4), (1, 1)), {}, RuntimeError, r"must be \(T, N, C\) or, for one sample, \(T, C\)"),
        (
            (X[:, :0], TARGETS[:0], (), ()),
            {},
            RuntimeError,
            r"log_probs tensor must not be empty, got shape \(4, 0, 3\)",
        ),
        ((X.astype(int), TARGETS, (4, 4), (1, 1)), {}, ValueError, r"log_probs must be floating-point"),
        ((X, TARGETS, (4, 4), (1, 1)), {"blank": 3}, RuntimeError, r"blank must be in label range \[0, 3\), got 3"),
        ((X, TARGETS, (4, 4), (1, 1)), {"blank": -1}, RuntimeError, r"blank must be in label range \[0, 3\), got -1"),
        ((X, TARGETS, (4, 4, 4), (1, 1)), {}, RuntimeError, r"input_lengths must be of size batch_size \(2\), got 3"),
        ((X, TARGETS, (4, 4), [1]), {}, RuntimeError, r"target_lengths must be of size batch_size \(2\), got 1"),
        ((X, TARGETS, (5, 4), (1, 1)), {}, RuntimeError, r"input_lengths to have value at most 4 .*got value 5"),
        ((X, TARGETS, (-1, 4), (1, 1)), {}, RuntimeError, r"input_lengths to have value at least 0, but got value -1"),
        ((X, TARGETS, (4, 4), (-1, 1)), {}, RuntimeError, r"target_lengths to have value at least 0, but got value -1"),
        (
            (X, TARGETS, dn.tensor([4.0, 4.0]), (1, 1)),
            {},
            RuntimeError,
            r"input_lengths must be integral, got dtype float",
        ),
        ((X, TARGETS, [4.0, 4.0], (1, 1)), {}, TypeError, r"input_lengths must be a tensor of integers or a tuple"),
        (
            (X, TARGETS, 4, (1, 1)),
            {},
            TypeError,
            r"input_lengths must be a tensor of integers or a tuple of ints, got 4",
        ),
        ((X, TARGETS, (4, 4), (4, 1)), {}, RuntimeError, r"at least max\(target_lengths\) = 4 columns, got 3"),
        ((X, TARGETS[:1], (4, 4), (1, 1)), {}, RuntimeError, r"targets must have one row per sample \(2\), got 1"),
        ((X, TARGETS[None], (4, 4), (1, 1)), {}, RuntimeError, r"targets must be \(N, S\) padded or 1-D"),
        ((X, np.array([1, 2, 1]), (4, 4), (1, 1)), {}, RuntimeError, r"sum\(target_lengths\) = 2 labels, got 3"),
        (
            (X, np.array([[1, 3], [1, 1]]), (4, 4), (2, 1)),
            {},
            ValueError,
            r"class indices in \[0, 3\) other than the blank \(0\), got 3",
        ),
        ((X, np.array([[1, 0], [1, 1]]), (4, 4), (2, 1)), {}, ValueError, r"other than the blank \(0\), got 0"),
        ((X, np.array([[1, -1], [1, 1]]), (4, 4), (2, 1)), {}, ValueError, r"other than the blank \(0\), got -1"),
        (
            (X, np.array([[1.5, 1], [1, 1]]), (4, 4), (1, 1)),
            {},
            ValueError,
            r"must be integers, got the non-integer value 1\.5",
        ),
        ((X, np.array([["a"], ["b"]]), (4, 4), (1, 1)), {}, ValueError, r"ctc_loss"),
        ((X, TARGETS, (4, 4), (1, 1)), {"reduction": "avg"}, ValueError, r"reduction must be 'mean', 'sum' or 'none'"),
        ((X, TARGETS, (4, 4), (1, 1)), {"zero_infinity": 1}, ValueError, r"zero_infinity must be True or False, got 1"),
    ],
)
def test_bad_inputs_raise(args, kwargs, error, pattern):
    with pytest.raises(error, match="ctc_loss") as caught:
        F.ctc_loss(*args, **kwargs)
    assert caught.match(pattern)


def test_labels_past_a_targets_length_are_not_read():
    x, _ = problem(T=4, N=2, C=3)
    padded = np.array([[1, 7], [2, -5]])  # PyTorch does not read past target_lengths either
    got = F.ctc_loss(dn.tensor(x), padded, (4, 4), (1, 1), reduction="none").array
    np.testing.assert_array_equal(
        got, F.ctc_loss(dn.tensor(x), np.array([[1], [2]]), (4, 4), (1, 1), reduction="none").array
    )


# -- PyTorch's values and gradients -------------------------------------------------------------------
CASES = [
    {"reduction": "none"},
    {"reduction": "mean"},
    {"reduction": "sum"},
    {"reduction": "mean", "concatenated": True},
    {"reduction": "sum", "blank": 4},
    {"reduction": "none", "blank": 2, "concatenated": True},
    {"reduction": "none", "impossible": True},  # inf loss, NaN gradient up to its input length
    {"reduction": "mean", "impossible": True, "zero_infinity": True},
    {"reduction": "sum", "impossible": True, "zero_infinity": True, "concatenated": True},
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()))
def test_values_and_gradients_equal_pytorchs(case, dtype):
    torch = pytest.importorskip("torch")
    case = dict(case)
    concatenated, impossible = case.pop("concatenated", False), case.pop("impossible", False)
    blank = case.get("blank", 0)
    T, N, C = 30, 4, 5
    z = RNG.standard_normal((T, N, C)) * 2
    x = torch.tensor(z).log_softmax(2).to(getattr(torch, np.dtype(dtype).name)).numpy()
    labels = [k for k in range(C) if k != blank]
    targets = RNG.choice(labels, size=(N, 10))
    targets[0, :4] = labels[0]  # repeated labels, which need a blank between them
    il = np.array([30, 25, 3 if impossible else 17, 12])
    tl = np.array([10, 7, 6, 0])
    layout = np.concatenate([targets[n, : tl[n]] for n in range(N)]) if concatenated else targets
    r = RNG.standard_normal(N if case["reduction"] == "none" else ())

    a = torch.tensor(x, requires_grad=True)
    expected = torch.nn.functional.ctc_loss(a, torch.tensor(layout), torch.tensor(il), torch.tensor(tl), **case)
    (expected * torch.tensor(r, dtype=a.dtype)).sum().backward()
    b = dn.tensor(x, requires_grad=True)
    got = F.ctc_loss(b, layout, il, tl, **case)
    (got * dn.tensor(r.astype(dtype))).sum().backward()

    # float32: both sum 30 steps of log-probabilities in float32, each as far from the float64
    # result as the other (about 1e-5 at most on these gradients)
    rtol, atol = (1e-12, 1e-13) if dtype == np.float64 else (1e-5, 2e-5)
    assert got.dtype == dtype and b.grad.dtype == dtype
    np.testing.assert_allclose(got.array, expected.detach().numpy(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(b.grad.array, a.grad.numpy(), rtol=rtol, atol=atol, equal_nan=True)
    np.testing.assert_array_equal(np.isnan(b.grad.array), np.isnan(a.grad.numpy()))


def test_one_sample_and_minus_infinity_equal_pytorchs():
    torch = pytest.importorskip("torch")
    x = torch.tensor(RNG.standard_normal((6, 2, 4))).log_softmax(2)
    x[1, 0, 2] = x[2, 0, 1] = x[3, 1, 3] = -np.inf  # log 0: PyTorch's gradient is NaN there
    targets = np.array([[1, 2], [3, 1]])
    a = torch.tensor(x.numpy(), requires_grad=True)
    expected = torch.nn.functional.ctc_loss(a, torch.tensor(targets), (6, 5), (2, 2), reduction="none")
    expected.sum().backward()
    b = dn.tensor(x.numpy(), requires_grad=True)
    F.ctc_loss(b, targets, (6, 5), (2, 2), reduction="none").sum().backward()
    np.testing.assert_allclose(b.grad.array, a.grad.numpy(), rtol=1e-12, atol=1e-13, equal_nan=True)
    np.testing.assert_array_equal(np.isnan(b.grad.array), np.isnan(a.grad.numpy()))

    one = torch.tensor(x[:, 1].numpy(), requires_grad=True)
    expected = torch.nn.functional.ctc_loss(one, torch.tensor([3, 1]), (5,), (2,), reduction="none")
    expected.backward()
    c = dn.tensor(x[:, 1].numpy(), requires_grad=True)
    got = F.ctc_loss(c, np.array([3, 1]), (5,), (2,), reduction="none")
    got.backward()
    assert got.shape == expected.shape == ()
    assert got.item() == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose(c.grad.array, one.grad.numpy(), rtol=1e-12, atol=1e-13, equal_nan=True)


def test_pytorch_raises_where_we_raise():
    """The RuntimeErrors that PyTorch raises, for the same inputs (the messages here add what was received)."""
    torch = pytest.importorskip("torch")
    x = torch.tensor(X)
    for args, kwargs in (
        ((TARGETS, (4, 4), (1, 1)), {"blank": 3}),
        ((TARGETS, (4, 4, 4), (1, 1)), {}),
        ((TARGETS, (5, 4), (1, 1)), {}),
        ((TARGETS, (4, 4), (-1, 1)), {}),
        ((TARGETS, (4, 4), (4, 1)), {}),
        ((np.array([1, 2, 1]), (4, 4), (1, 1)), {}),
    ):
        targets, il, tl = args
        with pytest.raises(RuntimeError):
            torch.nn.functional.ctc_loss(x, torch.tensor(targets), il, tl, **kwargs)
        with pytest.raises(RuntimeError, match="ctc_loss"):
            F.ctc_loss(dn.tensor(X), targets, il, tl, **kwargs)
