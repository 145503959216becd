"""grid_sample and affine_grid: PyTorch parity of outputs and both gradients for every mode,
padding mode and align_corners in 2-D and 3-D, float64 gradcheck, dtypes and the errors."""

import itertools

import numpy as np
import pytest

import deltanet as dn
import deltanet.nn.functional as F

MODES = list(itertools.product(("bilinear", "nearest"), ("zeros", "border", "reflection"), (False, True)))


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("mode, padding_mode, align_corners", MODES)
def test_grid_sample_matches_torch(dims, mode, padding_mode, align_corners):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(dims)
    x = rng.standard_normal((2, 3) + (3, 4, 5)[-dims:])
    grid = rng.uniform(-1.6, 1.6, (2,) + (4, 3, 2)[-dims:] + (dims,))  # points outside [-1, 1] too
    xt, gt = torch.tensor(x, requires_grad=True), torch.tensor(grid, requires_grad=True)
    xd, gd = dn.tensor(x, requires_grad=True), dn.tensor(grid, requires_grad=True)
    a = torch.nn.functional.grid_sample(xt, gt, mode, padding_mode, align_corners)
    b = F.grid_sample(xd, gd, mode, padding_mode, align_corners)
    delta = rng.standard_normal(a.shape)
    a.backward(torch.tensor(delta))
    b.backward(delta)
    np.testing.assert_allclose(b.data, a.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(xd.grad.data, xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gd.grad.data, gt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("padding_mode, align_corners", [("zeros", False), ("border", True), ("reflection", False)])
def test_grid_sample_gradcheck(padding_mode, align_corners):
    rng = np.random.default_rng(3)
    x = dn.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    grid = dn.tensor(rng.uniform(-1.3, 1.3, (1, 2, 3, 2)), requires_grad=True)
    assert dn.gradcheck(lambda x, g: F.grid_sample(x, g, "bilinear", padding_mode, align_corners), [x, grid])


def test_identity_transform_reproduces_the_image():
    x = np.random.default_rng(4).standard_normal((2, 3, 5, 6))
    theta = np.tile(np.array([[1.0, 0, 0], [0, 1.0, 0]]), (2, 1, 1))
    for corners in (False, True):
        grid = F.affine_grid(dn.tensor(theta), x.shape, align_corners=corners)
        np.testing.assert_allclose(F.grid_sample(dn.tensor(x), grid, align_corners=corners).data, x, atol=1e-12)


@pytest.mark.parametrize(
    "size", [(2, 3, 4, 5), (2, 1, 1, 3), (2, 2, 3, 4, 5), (2, 1, 1, 1, 2)], ids=["2-D", "2-D one row", "3-D", "3-D"]
)
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_matches_torch_and_gradchecks(size, align_corners):
    torch = pytest.importorskip("torch")
    dims = len(size) - 2
    theta = np.random.default_rng(5).standard_normal((2, dims, dims + 1))
    tt, td = torch.tensor(theta, requires_grad=True), dn.tensor(theta, requires_grad=True)
    with pytest.warns(UserWarning) if align_corners and 1 in size[2:] else _nothing():
        a = torch.nn.functional.affine_grid(tt, size, align_corners=align_corners)
    b = F.affine_grid(td, size, align_corners=align_corners)
    delta = np.random.default_rng(6).standard_normal(a.shape)
    a.backward(torch.tensor(delta))
    b.backward(delta)
    np.testing.assert_allclose(b.data, a.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(td.grad.data, tt.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert dn.gradcheck(lambda t: F.affine_grid(t, size, align_corners), [td])


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_float32_in_float32_out():
    x = dn.tensor(np.ones((1, 1, 3, 3), np.float32), requires_grad=True)
    theta = dn.tensor(np.array([[[0.5, 0, 0], [0, 0.5, 0]]], np.float32), requires_grad=True)
    out = F.grid_sample(x, F.affine_grid(theta, (1, 1, 2, 2), align_corners=False), align_corners=False)
    out.sum().backward()
    assert out.dtype == x.grad.dtype == theta.grad.dtype == np.float32


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: F.grid_sample(np.ones((1, 1, 3, 3)), np.ones((1, 2, 2, 3))), r"grid must be \(N, H_out, W_out, 2\)"),
        (lambda: F.grid_sample(np.ones((1, 1, 3)), np.ones((1, 2, 2))), r"input must be 4-D \(N, C, H, W\) or 5-D"),
        (
            lambda: F.grid_sample(np.ones((2, 1, 3, 3)), np.ones((1, 2, 2, 2))),
            r"grid must be .* with the input's N = 2, got shape \(1, 2, 2, 2\)",
        ),
        (lambda: F.grid_sample(np.ones((1, 1, 3, 3)), np.ones((1, 1, 1, 2)), mode="bicubic"), r"'bicubic' is not"),
        (
            lambda: F.grid_sample(np.ones((1, 1, 3, 3)), np.ones((1, 1, 1, 2)), padding_mode="circular"),
            r"padding_mode must be one of 'zeros', 'border', 'reflection', got 'circular'",
        ),
        (
            lambda: F.grid_sample(np.ones((1, 1, 3, 3), np.float32), np.ones((1, 1, 1, 2))),
            r"input and grid must be floating point of one dtype \(as PyTorch\), got float32 and float64",
        ),
        (lambda: F.affine_grid(np.ones((1, 2, 3)), (1, 1, 4)), r"affine_grid: size must be \(N, C, H, W\)"),
        (lambda: F.affine_grid(np.ones((2, 2, 3)), (1, 1, 4, 4)), r"theta must be \(N, 2, 3\) .* N = 1"),
        (lambda: F.affine_grid(np.ones((1, 2, 3)), (1, 1, 4, 4, 4)), r"theta must be \(N, 3, 4\)"),
        (lambda: F.affine_grid(np.ones((1, 2, 3)), (1, 1, 4, 4), align_corners="no"), r"align_corners must be True"),
    ],
)
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_an_infinite_pixel_reaches_only_the_points_that_read_it():
    """A corner outside the image reads nothing (it read the border pixel with weight 0, and an
    infinity there gave NaN, with a RuntimeWarning); a point on the infinite pixel gives it back
    (PyTorch's values)."""
    x = np.zeros((1, 1, 2, 3))
    x[0, 0, 0, 2] = np.inf
    theta = dn.tensor(np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]))
    identity = F.affine_grid(theta, (1, 1, 2, 3), align_corners=False)
    y = F.grid_sample(dn.tensor(x), identity, align_corners=False).numpy()
    # (0, 1) reads its right neighbour with weight 0 (inside: NaN, as PyTorch); (0, 2) reads the
    # column past the edge with weight 0, which is no pixel.
    np.testing.assert_array_equal(y, [[[[0.0, np.nan, np.inf], [0.0, 0.0, 0.0]]]])


def test_non_finite_pixels_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 2, 4, 5))
    x.reshape(-1)[[1, 9, 30]] = [np.inf, np.nan, -np.inf]
    grid = np.round(rng.uniform(-1.3, 1.3, size=(2, 3, 4, 2)) * 4) / 4  # points on pixels and borders
    for padding_mode in ("zeros", "border", "reflection"):
        for align_corners in (False, True):
            options = dict(padding_mode=padding_mode, align_corners=align_corners)
            ours = F.grid_sample(dn.tensor(x), dn.tensor(grid), **options).numpy()
            theirs = torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(grid), **options).numpy()
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, err_msg=str(options))
