"""Shape, indexing and construction ops of data pipelines (rotations, splits, broadcasting, taking,
windows, index writes, diagonals, combinatorics, products, runs): against PyTorch, float64
gradchecks, views where PyTorch gives views, and bad input."""

import numpy as np
import pytest

import deltanet as dn

X = np.arange(24.0).reshape(2, 3, 4) * 0.37 - 3.0


def both(call, *arrays, torch):
    """``call(lib, *tensors)`` on deltanet and on PyTorch, from the same float64 arrays."""
    ours = call(dn, *[dn.tensor(a) for a in arrays])
    theirs = call(torch, *[torch.tensor(a) for a in arrays])
    return ours, theirs


def same(ours, theirs):
    if isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            same(a, b)
        return
    assert tuple(ours.shape) == tuple(theirs.shape), (ours.shape, theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)


FORWARD = {
    "rot90": lambda L, x: L.rot90(x, 1, [1, 2]),
    "rot90_k2": lambda L, x: x.rot90(2, [0, 2]),
    "rot90_k-1": lambda L, x: L.rot90(x, -1, (2, 1)),
    "rot90_k0": lambda L, x: L.rot90(x, 4),
    "fliplr": lambda L, x: L.fliplr(x),
    "flipud": lambda L, x: x.flipud(),
    "tensor_split_n": lambda L, x: L.tensor_split(x, 3, dim=2),
    "tensor_split_idx": lambda L, x: x.tensor_split([1, 3, 9], dim=-1),
    "tensor_split_desc": lambda L, x: L.tensor_split(x, [3, 1], 2),
    "tensor_split_neg": lambda L, x: L.tensor_split(x, [-1], 1),
    "hsplit": lambda L, x: L.hsplit(x, 3),
    "vsplit": lambda L, x: x.vsplit([1]),
    "dsplit": lambda L, x: L.dsplit(x, 2),
    "broadcast_to": lambda L, x: L.broadcast_to(x[:, :1], (5, 2, 3, 4)),
    "broadcast_tensors": lambda L, x: L.broadcast_tensors(x[0, :, :1], x[1, 0]),
    "tile": lambda L, x: L.tile(x, (2,)),
    "tile_more": lambda L, x: x.tile((2, 1, 1, 2)),
    "movedim": lambda L, x: L.movedim(x, 0, -1),
    "movedim_pair": lambda L, x: x.movedim((0, 1), (2, 0)),
    "moveaxis": lambda L, x: L.moveaxis(x, -1, 0),
    "reshape_as": lambda L, x: x[0].reshape_as(x[1].t()),
    "atleast_3d": lambda L, x: L.atleast_3d(x[0, 0]),
    "atleast_2d": lambda L, x: L.atleast_2d(x[0, 0, 0], x[0, 0]),
    "atleast_1d": lambda L, x: L.atleast_1d([x[0, 0, 0]]),
    "column_stack": lambda L, x: L.column_stack([x[0, 0], x[1, :, :1].reshape(3)[:1].expand(4), x[0].t()]),
    "row_stack": lambda L, x: L.row_stack([x[0, 0], x[1]]),
    "dstack": lambda L, x: L.dstack([x[0], x[1]]),
    "take_along_dim": lambda L, x: L.take_along_dim(x, x.argsort(dim=2), dim=2),
    "take_along_dim_bcast": lambda L, x: x.take_along_dim(x[:1, :, :2].argsort(dim=1), dim=2),
    "take_along_dim_none": lambda L, x: L.take_along_dim(x, x.reshape(-1).argsort()[:5]),
    "take": lambda L, x: L.take(x, L.tensor([[0, -1], [5, 5]])),
    "unfold": lambda L, x: x.unfold(2, 2, 1),
    "unfold_step": lambda L, x: x.unfold(1, 2, 2),
    "unfold_patches": lambda L, x: x.unfold(1, 2, 1).unfold(2, 3, 1),
    "index_copy": lambda L, x: x.index_copy(1, L.tensor([2, 0]), x[:, :2] * 2),
    "index_fill": lambda L, x: L.index_fill(x, 2, L.tensor([0, 3]), -1.5),
    "put": lambda L, x: x.put(L.tensor([0, 23, -2]), x[0, 0, :3] * 3),
    "put_acc": lambda L, x: L.put(x, L.tensor([1, 1, 2]), x[0, 0, :3], accumulate=True),
    "diag_embed": lambda L, x: L.diag_embed(x),
    "diag_embed_args": lambda L, x: x.diag_embed(offset=-1, dim1=0, dim2=2),
    "diag_embed_swapped": lambda L, x: L.diag_embed(x, 1, 2, 0),
    "diagflat": lambda L, x: L.diagflat(x[0, :2], 1),
    "cartesian_prod": lambda L, x: L.cartesian_prod(x[0, 0], x[1, 1, :2], x[0, 2, :3]),
    "combinations": lambda L, x: L.combinations(x[0, 0]),
    "combinations_r3_repl": lambda L, x: L.combinations(x[0, 0, :3], r=3, with_replacement=True),
    "block_diag": lambda L, x: L.block_diag(x[0], x[1, 0], x[1, 1, 1]),
    "kron": lambda L, x: L.kron(x[0, :2, :2], x[1, 0]),
    "kron_3d": lambda L, x: x[:, :2, :1].kron(x[0, :2]),
    "cross": lambda L, x: L.cross(x[:, :, :3], x[1:, 1:2, 1:4], dim=-1),
    "cross_dim1": lambda L, x: x.movedim(2, 1)[:, :3].cross(x.movedim(2, 1)[:, 1:4], dim=1),
}


@pytest.mark.parametrize("name", sorted(FORWARD))
def test_forward_and_gradients_match_pytorch(name):
    torch = pytest.importorskip("torch")
    call = FORWARD[name]
    results = []
    for lib in (dn, torch):
        x = lib.tensor(X, requires_grad=True)
        out = call(lib, x)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        total = sum((o * lib.tensor(np.cos(np.arange(o.numel()))).reshape(o.shape)).sum() for o in outs)
        total.backward()
        results.append((tuple(o.detach() for o in outs), x.grad))
    same(results[0][0], results[1][0])
    same(results[0][1], results[1][1])


GRADCHECK = [
    lambda x: dn.rot90(x, 1, (1, 2)),
    lambda x: dn.fliplr(x) * dn.flipud(x),
    lambda x: dn.tensor_split(x, 3, dim=2)[1],
    lambda x: dn.broadcast_to(x[:, :1], (3, 2, 3, 4)),
    lambda x: dn.tile(x, (2, 1)),
    lambda x: dn.movedim(x, 0, -1),
    lambda x: dn.take_along_dim(x, dn.tensor([[[3, 0, 0]]]), dim=2),
    lambda x: dn.take(x, dn.tensor([1, 1, -1])),
    lambda x: x.unfold(2, 3, 1),
    lambda x: x.index_copy(1, dn.tensor([2, 0]), x[:, :2] ** 2),
    lambda x: x.index_fill(2, dn.tensor([1]), 0.0),
    lambda x: dn.put(x, dn.tensor([1, 1, 2]), x[0, 0, :3] ** 2, accumulate=True),
    lambda x: dn.diag_embed(x, 1, 0, 2),
    lambda x: dn.block_diag(x[0], x[1, 0]),
    lambda x: dn.kron(x[0, :2, :2], x[1, 0]),
    lambda x: dn.cross(x[:, :, :3], x[:, :, 1:], dim=2),
    lambda x: dn.vander(x[0, 0, :3]),
    lambda x: dn.combinations(x[0, 0], 2),
    lambda x: dn.cartesian_prod(x[0, 0], x[1, 1]),
    lambda x: dn.column_stack([x[0, 0], x[1, 0]]) + dn.dstack([x[0], x[1]]).sum(),
]


@pytest.mark.parametrize("k", range(len(GRADCHECK)))
def test_gradcheck(k):
    x = dn.tensor(np.random.default_rng(k).standard_normal((2, 3, 4)), requires_grad=True)
    assert dn.gradcheck(GRADCHECK[k], [x])


def test_vander_has_a_gradient_at_zero():
    x = dn.tensor([0.0, 2.0], requires_grad=True)
    dn.vander(x, N=3).sum().backward()  # PyTorch 2.13's vander cannot run backward at all
    assert x.grad.tolist() == [1.0, 5.0]  # d/dx (x^2 + x + 1) = 2x + 1


def test_integer_results_match_pytorch():
    torch = pytest.importorskip("torch")
    v = np.array([1, 1, 2, 2, 3, 1, 1])
    m = np.array([[1, 1], [1, 1], [2, 3], [2, 3], [1, 1]])
    calls = [
        lambda L: L.unique_consecutive(L.tensor(v)),
        lambda L: L.unique_consecutive(L.tensor(v), return_inverse=True, return_counts=True),
        lambda L: L.tensor(m).unique_consecutive(return_counts=True, dim=0),
        lambda L: L.unique_consecutive(L.tensor(m), return_inverse=True, dim=1),
        lambda L: L.unique_consecutive(L.tensor(m), return_inverse=True),
        lambda L: L.argwhere(L.tensor(m) > 1),
        lambda L: L.tensor(m).argwhere(),
        lambda L: L.tril_indices(3, 4, 1),
        lambda L: L.triu_indices(4, 3, -1),
        lambda L: L.tril_indices(3, 3, dtype=L.int32),
        lambda L: L.cartesian_prod(L.tensor([1, 2]), L.tensor([3, 4])),
        lambda L: L.cartesian_prod(L.tensor([1, 2])),
        lambda L: L.combinations(L.tensor([1, 2, 3, 4]), 3),
        lambda L: L.combinations(L.tensor([1, 2]), 3),
        lambda L: L.vander(L.tensor([1, 2, 3])),
        lambda L: L.vander(L.tensor([0.5, -2.0, 3.0]), N=4, increasing=True),
        lambda L: L.vander(L.tensor([0.5, -2.0]), N=0),
        lambda L: L.block_diag(L.tensor(1), L.tensor([2, 3]), L.ones(2, 2, dtype=L.int64)),
        lambda L: L.block_diag(L.tensor([[1.0]]), L.tensor([2, 3])),
        lambda L: L.kron(L.tensor([[1, 2], [3, 4]]), L.tensor([[0, 1], [1, 0]])),
        lambda L: L.rot90(L.arange(6).reshape(2, 3), 3),
        lambda L: L.where(L.tensor(m) > 1, L.tensor(m), 0),
        lambda L: L.tensor(m).where(L.tensor(m) > 1, -1),
        lambda L: L.tensor(m).index_fill(1, L.tensor([0]), 7),
        lambda L: L.zeros(5, 3).fill_diagonal_(2, wrap=True),
        lambda L: L.zeros(5, 3).fill_diagonal_(2),
        lambda L: L.zeros(2, 4).fill_diagonal_(1.5),
        lambda L: L.zeros(3, 3, 3).fill_diagonal_(1),
        lambda L: L.zeros(2, 3).put_(L.tensor([5, 0]), L.tensor([1.0, 2.0])),
        lambda L: L.zeros(3, dtype=L.int64).index_copy_(0, L.tensor([2]), L.tensor([9])),
        lambda L: L.take(L.tensor(m), L.tensor([9, 0])),
        lambda L: L.tensor_split(L.tensor(v), L.tensor([2, 4])),
        lambda L: L.tensor_split(L.tensor(v), L.tensor(2)),
        lambda L: L.diag_embed(L.tensor(m)),
        lambda L: L.diagflat(L.tensor([1, 2]), -1),
    ]
    for call in calls:
        same(call(dn), call(torch))


def test_randint_like_takes_shape_and_dtype():
    torch = pytest.importorskip("torch")
    for like in (dn.zeros(2, 3), dn.zeros(4, dtype=dn.int32)):
        ours, theirs = dn.randint_like(like, 3, 7), torch.randint_like(torch.tensor(like.numpy()), 3, 7)
        assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        assert ((ours >= 3) & (ours < 7)).all()
    assert dn.randint_like(dn.zeros(50), 2, generator=0).unique().tolist() == [0.0, 1.0]
    with pytest.raises(ValueError, match="high must be greater than low"):
        dn.randint_like(dn.zeros(2), 5, 5)


def test_views_where_pytorch_gives_views():
    x = dn.zeros(4, 6)
    parts = x.tensor_split(3, dim=1)
    parts[1].fill_(1.0)
    assert x[:, 2:4].sum().item() == 8.0
    moved = dn.movedim(dn.zeros(2, 3, 4), 0, -1)
    assert moved.shape == (3, 4, 2) and not moved.is_contiguous()
    y = dn.arange(6.0)
    assert dn.atleast_2d(y).reshape(-1) is not y  # a reshape, a view
    rotated = dn.rot90(x)  # a copy, as in PyTorch
    rotated.fill_(5.0)
    assert x.sum().item() == 8.0


def test_in_place_writes_change_the_tensor_and_record_gradients():
    w = dn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = dn.zeros(2, 3)
    x.index_copy_(0, dn.tensor([1]), (w * 2).reshape(1, 3))
    x.index_fill_(1, dn.tensor([0]), 5.0)
    x.put_(dn.tensor([2]), w[:1] * 10, accumulate=True)
    assert x.tolist() == [[5.0, 0.0, 10.0], [5.0, 4.0, 6.0]]
    x.sum().backward()
    assert w.grad.tolist() == [10.0, 2.0, 2.0]  # index_fill_ overwrote 2 * w[0]


def test_unfold_is_a_read_only_view():
    x = dn.arange(10.0)
    u = x.unfold(0, 4, 3)
    assert u.shape == (3, 4) and u[2].tolist() == [6.0, 7.0, 8.0, 9.0]
    assert np.shares_memory(u.numpy(), x.numpy())
    assert dn.tensor(3.0).unfold(0, 1, 1).tolist() == [3.0]


def test_unfold_sees_its_input_changed_in_place():
    # The windows reach the input's memory through a chain of NumPy bases (sliding_window_view):
    # an in-place change of the input after the windows were saved must raise, as in PyTorch,
    # not give the gradient of the changed values.
    x = dn.tensor(np.arange(6.0), requires_grad=True)
    y = x * 1
    w = y.unfold(0, 2, 2)
    z = (w * w).sum()  # saves w, a view of y
    with dn.no_grad():
        y += 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()
    y2 = x * 1
    (y2.unfold(0, 2, 2) ** 2).sum().backward()  # unchanged: 2 y
    assert x.grad.tolist() == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]


BAD = [
    (lambda: dn.rot90(dn.zeros(3)), "at least 2 dimensions"),
    (lambda: dn.rot90(dn.zeros(2, 2), 1, (0, 0)), "must differ"),
    (lambda: dn.rot90(dn.zeros(2, 2), 1, (0,)), "two axes"),
    (lambda: dn.rot90(dn.zeros(2, 2), 1.5), "k"),
    (lambda: dn.fliplr(dn.zeros(3)), "at least 2 dimensions"),
    (lambda: dn.flipud(dn.tensor(1.0)), "at least 1 dimension"),
    (lambda: dn.tensor_split(dn.zeros(3), 0), "sections"),
    (lambda: dn.hsplit(dn.zeros(2, 5), 2), "not divisible"),
    (lambda: dn.vsplit(dn.zeros(4), 2), "at least 2 dimensions"),
    (lambda: dn.dsplit(dn.zeros(2, 4), 2), "at least 3 dimensions"),
    (lambda: dn.broadcast_to(dn.zeros(3), (2, 4)), "does not match"),
    (lambda: dn.broadcast_tensors(dn.zeros(3), dn.zeros(4)), "do not broadcast"),
    (lambda: dn.movedim(dn.zeros(2, 3), (0, 1), 0), "different numbers"),
    (lambda: dn.movedim(dn.zeros(2, 3), (0, 0), (1, 0)), "once"),
    (lambda: dn.take_along_dim(dn.zeros(2, 3), dn.tensor([0]), dim=1), "same number of dimensions"),
    (lambda: dn.take_along_dim(dn.zeros(2, 3), dn.tensor([[0.0]]), dim=1), "integer"),
    (lambda: dn.take_along_dim(dn.zeros(2, 3), dn.zeros(3, 1, dtype=dn.long), dim=1), "do not broadcast"),
    (lambda: dn.take(dn.zeros(2, 3), dn.tensor([6])), "out of range"),
    (lambda: dn.zeros(5).unfold(0, 6, 1), "larger than"),
    (lambda: dn.zeros(5).unfold(0, 2, 0), "step"),
    (lambda: dn.zeros(3, 2).index_copy_(0, dn.tensor([0]), dn.zeros(2, 2)), "source must have shape"),
    (lambda: dn.zeros(3, 2).index_copy_(0, dn.tensor([[0]]), dn.zeros(1, 2)), "1-D integer"),
    (lambda: dn.zeros(3).index_fill_(0, dn.tensor([3]), 1.0), "out of range"),
    (lambda: dn.zeros(3).index_fill_(0, dn.tensor([0]), dn.ones(2)), "0-d tensor"),
    (lambda: dn.zeros(3).put_(dn.tensor([0, 1]), dn.ones(3)), "as many elements"),
    (lambda: dn.zeros(3).put_(dn.tensor([-4]), dn.ones(1)), "out of range"),
    (lambda: dn.zeros(3).fill_diagonal_(1.0), "at least 2 dimensions"),
    (lambda: dn.zeros(2, 3, 3).fill_diagonal_(1.0), "must be equal"),
    (lambda: dn.diag_embed(dn.zeros(2), 0, 0, -2), "different axes"),
    (lambda: dn.cartesian_prod(dn.zeros(2), dn.zeros(2, dtype=dn.long)), "one dtype"),
    (lambda: dn.cartesian_prod(dn.zeros(2, 2)), "1-D"),
    (lambda: dn.combinations(dn.zeros(2, 2)), "1-D"),
    (lambda: dn.combinations(dn.zeros(2), -1), "r"),
    (lambda: dn.block_diag(dn.zeros(1, 1, 1)), "at most 2 dimensions"),
    (lambda: dn.cross(dn.zeros(2, 4), dn.zeros(2, 4)), "no dimension of size 3"),
    (lambda: dn.cross(dn.zeros(3, 4), dn.zeros(3, 4), dim=1), "size 3"),
    (lambda: dn.vander(dn.zeros(2, 2)), "1-D"),
    (lambda: dn.tril_indices(3, 3, dtype=dn.float32), "integer dtype"),
    (lambda: dn.unique_consecutive(dn.zeros(3), return_counts="yes"), "return_counts"),
]


@pytest.mark.parametrize("k", range(len(BAD)))
def test_bad_input_is_refused_clearly(k):
    call, message = BAD[k]
    with pytest.raises(ValueError, match=message):
        call()


def test_float32_stays_float32():
    x = dn.zeros(2, 3, 4, dtype=dn.float32)
    for out in (
        dn.rot90(x),
        x.unfold(2, 2, 2),
        dn.kron(x, x),
        dn.diag_embed(x),
        dn.block_diag(x[0], x[1]),
        dn.tile(x, (2,)),
    ):
        assert out.dtype == dn.float32
