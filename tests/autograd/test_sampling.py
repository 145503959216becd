"""normal, bernoulli, poisson, multinomial and the in-place random fills: shapes, dtypes, ranges,
distributions (thousands of draws against bounds of many standard errors), PyTorch's zero gradient,
version counters and the errors."""

import numpy as np
import pytest

import deltanet as dn


def test_normal_has_pytorchs_four_forms():
    assert dn.normal(2.0, 3.0, size=(1, 4), generator=0).shape == (1, 4)
    assert dn.normal(0.0, 1.0, (2, 3)).dtype == dn.float32
    assert dn.normal(0.0, 1.0, (2,), dtype=dn.float64).dtype == dn.float64
    assert dn.normal(dn.zeros(3)).shape == (3,)
    assert dn.normal(0.5, dn.ones(2, dtype=dn.float64)).dtype == dn.float64
    assert dn.normal(dn.zeros(2, 1), dn.ones(3)).shape == (2, 3)
    assert dn.normal(dn.zeros(2, dtype=dn.float64), dn.ones(2)).dtype == dn.float64  # mean's dtype
    x = dn.tensor([[1.0, -2.0]])
    assert dn.normal(x, dn.zeros(1, 2)).tolist() == x.tolist()


def test_normal_statistics_and_generator():
    z = dn.normal(3.0, 2.0, size=(20000,), generator=1)
    assert abs(z.mean().item() - 3.0) < 0.1 and abs(z.std().item() - 2.0) < 0.1
    assert dn.equal(
        dn.normal(0.0, 1.0, (5,), generator=dn.Generator().manual_seed(4)), dn.normal(0.0, 1.0, (5,), generator=4)
    )


def test_normal_errors():
    with pytest.raises(TypeError, match=r"normal\(\): with a number for both mean and std give the shape"):
        dn.normal(0.0, 1.0)
    with pytest.raises(TypeError, match=r"size, dtype and requires_grad go with a number"):
        dn.normal(dn.zeros(2), 1.0, size=(2,))
    with pytest.raises(ValueError, match=r"normal: std must be a number >= 0, got -1.0"):
        dn.normal(0.0, -1.0, size=(2,))
    with pytest.raises(ValueError, match=r"std must be >= 0 everywhere"):
        dn.normal(dn.zeros(2), dn.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match=r"floating-point tensor, got dtype int64"):
        dn.normal(dn.tensor([1, 2]))
    with pytest.raises(ValueError, match=r"do not broadcast"):
        dn.normal(dn.zeros(2), dn.ones(3))


def test_out_is_written_and_returned():
    out = dn.zeros(3)
    version = out._version
    assert dn.normal(dn.zeros(3), dn.zeros(3), out=out) is out and out._version > version
    with pytest.raises(ValueError, match=r"out must be a tensor of the result's shape \(3,\), got shape \(2,\)"):
        dn.bernoulli(dn.zeros(3), out=dn.zeros(2))


def test_draws_have_a_zero_gradient_as_in_pytorch():
    torch = pytest.importorskip("torch")
    mean = dn.zeros(2, requires_grad=True)
    std = dn.ones(2, requires_grad=True)
    probs = dn.full((2,), 0.5, requires_grad=True)
    rates = dn.full((2,), 2.0, requires_grad=True)
    (dn.normal(mean, std) + dn.bernoulli(probs) + dn.poisson(rates)).sum().backward()
    tm, ts = torch.zeros(2, requires_grad=True), torch.ones(2, requires_grad=True)
    tp, tr = torch.full((2,), 0.5, requires_grad=True), torch.full((2,), 2.0, requires_grad=True)
    (torch.normal(tm, ts) + torch.bernoulli(tp) + torch.poisson(tr)).sum().backward()
    for ours, theirs in ((mean, tm), (std, ts), (probs, tp), (rates, tr)):
        assert ours.grad.tolist() == theirs.grad.tolist() == [0.0, 0.0]
    assert dn.gradcheck(lambda p: dn.bernoulli(p, generator=0), [dn.tensor(np.array([0.05, 0.99]), requires_grad=True)])


def test_bernoulli_and_poisson():
    assert dn.poisson(dn.tensor(2.0)).shape == dn.bernoulli(dn.tensor(0.7)).shape == ()  # 0-d in, 0-d out
    assert dn.normal(0.0, 1.0, size=()).shape == dn.normal(dn.tensor(0.0), 1.0).shape == ()
    assert dn.bernoulli(dn.tensor([0.0, 1.0, 1.0])).tolist() == [0.0, 1.0, 1.0]
    coins = dn.bernoulli(dn.zeros(20000, dtype=dn.float64), 0.3, generator=2)
    assert coins.dtype == dn.float64 and abs(coins.mean().item() - 0.3) < 0.02
    assert set(coins.tolist()) == {0.0, 1.0}
    counts = dn.poisson(dn.full((20000,), 4.0), generator=3)
    assert counts.dtype == dn.float32 and abs(counts.mean().item() - 4.0) < 0.1
    with pytest.raises(ValueError, match=r"bernoulli\(\): p must hold probabilities in \[0, 1\]"):
        dn.bernoulli(dn.tensor([1.5]))
    with pytest.raises(ValueError, match=r"bernoulli: p must be a number in \[0, 1\], got 2"):
        dn.bernoulli(dn.zeros(2), 2)
    with pytest.raises(TypeError, match=r"bernoulli\(\): input must be a tensor, got list"):
        dn.bernoulli([0.5])
    with pytest.raises(ValueError, match=r"poisson\(\): the rates must be >= 0"):
        dn.poisson(dn.tensor([-1.0]))


def test_multinomial_shapes_and_distribution():
    w = dn.tensor([0.2, 0.5, 0.3])
    draws = dn.multinomial(w, 30000, replacement=True, generator=5)
    assert draws.dtype == dn.int64 and draws.shape == (30000,)
    freq = np.bincount(draws.numpy(), minlength=3) / 30000
    assert np.abs(freq - [0.2, 0.5, 0.3]).max() < 0.02
    assert sorted(dn.multinomial(w, 3).tolist()) == [0, 1, 2]
    rows = dn.multinomial(dn.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 7.0]]), 4, True)
    assert rows.tolist() == [[0, 0, 0, 0], [2, 2, 2, 2]]
    assert dn.multinomial(dn.ones(0, 3), 2).shape == (0, 2)
    assert w.multinomial(2).shape == (2,)
    # without replacement, the first draw follows the weights too
    firsts = [dn.multinomial(w, 2, generator=g)[0].item() for g in range(3000)]
    assert np.abs(np.bincount(firsts, minlength=3) / 3000 - [0.2, 0.5, 0.3]).max() < 0.04
    # zero weights are drawn only after every positive one, as in PyTorch
    assert dn.multinomial(dn.tensor([1.0, 0.0, 0.0]), 3)[0].item() == 0


@pytest.mark.parametrize(
    "args, match",
    [
        ((dn.tensor([1.0, 1.0]), 3), r"cannot draw 3 samples from 2 categories without replacement"),
        ((dn.tensor([[1.0, 1.0], [0.0, 0.0]]), 1), r"every row of weights must sum to more than 0; row 1"),
        ((dn.tensor([1.0, -1.0]), 1), r"finite and >= 0"),
        ((dn.tensor([1.0, float("nan")]), 1), r"finite and >= 0"),
        ((dn.ones(2, 2, 2), 1), r"1-D or 2-D"),
        ((dn.tensor([1, 2]), 1), r"floating-point tensor, got dtype int64"),
        ((dn.tensor([1.0, 2.0]), 0), r"multinomial: num_samples must be a positive integer, got 0"),
    ],
)
def test_multinomial_errors(args, match):
    with pytest.raises(ValueError, match=match):
        dn.multinomial(*args)


def test_in_place_fills_bump_the_version_and_keep_the_dtype():
    for fill in (
        lambda t: t.bernoulli_(0.5),
        lambda t: t.exponential_(),
        lambda t: t.geometric_(0.5),
        lambda t: t.cauchy_(),
        lambda t: t.log_normal_(),
        lambda t: t.random_(),
        lambda t: t.uniform_(),
        lambda t: t.normal_(),
    ):
        t = dn.zeros(4, dtype=dn.float64)
        view = t[1:]
        version = t._version
        assert fill(t) is t and t._version == version + 1 and view._version == t._version
        assert t.dtype == dn.float64


def test_in_place_fill_values():
    assert dn.zeros(2, 3).bernoulli_(dn.tensor([0.0, 1.0, 1.0])).tolist() == [[0.0, 1.0, 1.0]] * 2
    ints = dn.zeros(1000, dtype=dn.int64).bernoulli_(0.5)
    assert ints.dtype == dn.int64 and set(ints.tolist()) == {0, 1}
    assert dn.zeros(3).geometric_(1.0).tolist() == [1.0, 1.0, 1.0]
    waits = dn.zeros(20000).exponential_(2.0, generator=0)
    assert abs(waits.mean().item() - 0.5) < 0.02 and (waits >= 0).all()
    assert (dn.zeros(100).log_normal_() > 0).all()
    x = dn.zeros(1000).random_(3, 5)
    assert set(x.tolist()) == {3.0, 4.0}
    assert set(dn.zeros(1000).random_(2).tolist()) == {0.0, 1.0}
    assert set(dn.zeros(1000).random_(**{"from": 7, "to": 9}).tolist()) == {7.0, 8.0}
    assert dn.zeros(1000).random_().max().item() <= 2**24
    assert dn.zeros(100, dtype=dn.uint8).random_().max().item() <= 255
    assert set(dn.zeros(100, dtype=dn.bool).random_().tolist()) == {False, True}


def test_in_place_fill_errors():
    with pytest.raises(ValueError, match=r"bernoulli_: p must be a number in \[0, 1\], got 1.5"):
        dn.zeros(3).bernoulli_(1.5)
    with pytest.raises(ValueError, match=r"exponential_: lambd must be a number > 0, got 0"):
        dn.zeros(3).exponential_(0)
    with pytest.raises(ValueError, match=r"exponential_: needs a floating-point tensor, got dtype int64"):
        dn.zeros(3, dtype=dn.int64).exponential_()
    with pytest.raises(ValueError, match=r"random_\(\): from must be less than to, got from=5, to=3"):
        dn.zeros(3).random_(5, 3)
    with pytest.raises(TypeError, match=r"random_\(\): takes from and to"):
        dn.zeros(3).random_(low=1)
    w = dn.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"leaf Variable that requires grad"):
        w.bernoulli_()


def test_ravel_and_asarray_match_pytorch():
    torch = pytest.importorskip("torch")
    a = np.arange(6.0).reshape(2, 3)
    assert dn.ravel(dn.tensor(a).t()).tolist() == torch.ravel(torch.tensor(a).t()).tolist()
    assert dn.ravel(dn.tensor(3.0)).shape == (1,)
    shared = dn.asarray(a)
    shared[0, 0] = 9.0
    assert a[0, 0] == 9.0 and shared.dtype == dn.float64
    copied = dn.asarray(a, copy=True)
    copied[0, 0] = -1.0
    assert a[0, 0] == 9.0
    assert dn.asarray([1.0, 2.0]).dtype == dn.float32 and dn.asarray([1, 2]).dtype == dn.int64
    t = dn.ones(2)
    assert dn.asarray(t) is t
    assert dn.asarray(t, dtype=dn.float64).dtype == dn.float64
    assert dn.asarray(a, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match=r"asarray\(\): copy=False, but converting dtype float64 to float32"):
        dn.asarray(a, dtype=dn.float32, copy=False)


def test_binomial():
    torch = pytest.importorskip("torch")
    counts = dn.binomial(dn.full((20000,), 10.0), dn.tensor([0.3]), generator=0)
    assert counts.dtype == dn.float32 and abs(counts.mean().item() - 3.0) < 0.1
    assert dn.binomial(dn.tensor([5.0, 3.0]), dn.tensor([1.0, 0.0])).tolist() == [5.0, 0.0]
    p = dn.tensor([0.5, 0.5], requires_grad=True)
    out = dn.binomial(dn.tensor([4.0, 4.0]), p)
    assert (
        out.requires_grad
        == torch.binomial(torch.tensor([4.0, 4.0]), torch.tensor([0.5, 0.5], requires_grad=True)).requires_grad
    )
    with pytest.raises(ValueError, match=r"binomial\(\): count must hold whole numbers >= 0"):
        dn.binomial(dn.tensor([1.5]), dn.tensor([0.5]))
    with pytest.raises(ValueError, match=r"binomial\(\): p must hold probabilities in \[0, 1\]"):
        dn.binomial(dn.tensor([1.0]), dn.tensor([1.5]))
