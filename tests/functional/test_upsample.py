"""Upsampling: hand-worked values, gradcheck in float64, PyTorch ``interpolate`` parity, dtypes,
errors."""

import numpy as np
import pytest
from tests.conftest import t64

import deltanet as dn
import deltanet.functional as F

# (input shape, options for upsample, the same for torch.nn.functional.interpolate)
CASES = {
    "nearest_2x": ((2, 2, 3, 4), dict(scale_factor=2)),
    "nearest_3x_1.5x": ((1, 2, 3, 4), dict(scale_factor=(3, 1.5))),
    "nearest_down": ((1, 1, 5, 6), dict(scale_factor=0.5)),
    "nearest_size": ((1, 2, 3, 4), dict(size=(7, 5))),
    "bilinear_2x": ((2, 2, 3, 4), dict(scale_factor=2, mode="bilinear")),
    "bilinear_2x_corners": ((2, 2, 3, 4), dict(scale_factor=2, mode="bilinear", align_corners=True)),
    "bilinear_2.5x": ((1, 2, 3, 3), dict(scale_factor=2.5, mode="bilinear")),
    "bilinear_size_corners": ((1, 1, 4, 3), dict(size=(6, 7), mode="bilinear", align_corners=True)),
    "nearest_1d": ((2, 2, 5), dict(scale_factor=2)),
    "linear_1d": ((2, 2, 5), dict(scale_factor=3, mode="linear")),
    "nearest_3d": ((1, 2, 2, 3, 2), dict(scale_factor=2)),
    "trilinear_3d": ((1, 1, 2, 3, 2), dict(scale_factor=(2, 1.5, 2), mode="trilinear", align_corners=True)),
}


def test_hand_worked_values():
    x = dn.tensor(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    np.testing.assert_array_equal(
        F.upsample(x, 2).data[0, 0],
        [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]],
    )
    # align_corners=False: output pixel centres map to (i + ½)/2 − ½, clamped at 0.
    np.testing.assert_allclose(
        F.upsample(x, 2, mode="bilinear").data[0, 0],
        [[1, 1.25, 1.75, 2], [1.5, 1.75, 2.25, 2.5], [2.5, 2.75, 3.25, 3.5], [3, 3.25, 3.75, 4]],
    )
    # align_corners=True: the corners stay, the rest is evenly spaced.
    np.testing.assert_allclose(
        F.upsample(x, 1.5, mode="bilinear", align_corners=True).data[0, 0],
        [[1.0, 1.5, 2.0], [2.0, 2.5, 3.0], [3.0, 3.5, 4.0]],
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck(rng, name):
    shape, options = CASES[name]
    assert dn.gradcheck(lambda t: F.upsample(t, **options), [t64(rng, shape)])


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch_interpolate(rng, name):
    torch = pytest.importorskip("torch")
    shape, options = CASES[name]
    x = t64(rng, shape)
    tx = torch.tensor(x.data, requires_grad=True)
    a = F.upsample(x, **options)
    topts = dict(options)
    topts.setdefault("mode", "nearest")
    if topts["mode"] != "nearest":
        topts.setdefault("align_corners", False)
    ta = torch.nn.functional.interpolate(tx, **topts)
    assert a.shape == tuple(ta.shape)
    np.testing.assert_allclose(a.data, ta.detach().numpy(), rtol=1e-8, atol=1e-10)
    r = rng.standard_normal(a.shape)
    (a * dn.tensor(r)).sum().backward()
    (ta * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_float32_kept_and_non_contiguous_input(rng, mode):
    big = rng.standard_normal((2, 3, 8, 6)).astype(np.float32)
    view = big[:, :, ::2]
    x1, x2 = dn.as_tensor(view).requires_grad_(), dn.tensor(view.copy(), requires_grad=True)
    a1, a2 = F.upsample(x1, 2, mode=mode), F.upsample(x2, 2, mode=mode)
    assert a1.dtype == np.float32
    np.testing.assert_array_equal(a1.data, a2.data)
    a1.sum().backward()
    assert x1.grad.dtype == np.float32


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: F.upsample(dn.tensor(np.zeros((2, 3))), 2),
            r"upsample expects an input \(N, C, L\), \(N, C, H, W\) or \(N, C, D, H, W\), got shape \(2, 3\)",
        ),
        (
            lambda: F.upsample(dn.tensor(np.zeros((1, 1, 4))), 2, mode="bilinear"),
            r"upsample: mode 'bilinear' needs a 4-D input, got shape \(1, 1, 4\) \(use mode='linear'\)",
        ),
        (
            lambda: F.upsample(dn.tensor(np.zeros((1, 1, 4, 4))), 2, mode="bicubic"),
            r"upsample: mode must be 'nearest', 'linear', 'bilinear' or 'trilinear', got 'bicubic'",
        ),
        (
            lambda: F.upsample(dn.tensor(np.zeros((1, 1, 4, 4))), 2, align_corners=True),
            r"align_corners=True only applies to the linear modes",
        ),
        (lambda: F.upsample(dn.tensor(np.zeros((1, 1, 4, 4))), -2), r"upsample: scale_factor must be positive, got -2"),
        (
            lambda: F.upsample(dn.tensor(np.zeros((1, 1, 4, 4))), (2, 2, 2)),
            r"upsample: scale_factor must be a number or a tuple of 2 numbers, got \(2, 2, 2\)",
        ),
        (
            lambda: F.upsample(dn.tensor(np.zeros((1, 1, 4, 4))), 0.1),
            r"upsample: scale_factor 0.1 gives an empty output from shape \(1, 1, 4, 4\)",
        ),
    ],
)
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest", "area"])
def test_a_nan_or_inf_pixel_spoils_only_the_outputs_that_read_it(mode):
    """A NaN voxel outside the body must not turn the whole resized scan into NaN: the matrix
    product's zero weights (0 * NaN) reached every output of the line."""
    x = np.ones((1, 1, 4, 4))
    x[0, 0, 0, 0] = np.nan
    x[0, 0, 3, 3] = np.inf
    y = dn.nn.functional.interpolate(dn.tensor(x), size=(8, 8), mode=mode).numpy()
    # Outputs per axis that read a corner pixel: 3 (bilinear), 2 (nearest, area); bicubic reads
    # 5 with weights of both signs, so the infinity becomes NaN too (PyTorch's counts).
    nan, inf = {"bilinear": (9, 9), "bicubic": (46, 0), "nearest": (4, 4), "area": (4, 4)}[mode]
    assert (np.isnan(y).sum(), np.isinf(y).sum()) == (nan, inf)
    assert np.isnan(y[0, 0, :2, :2]).all() and np.isfinite(y[0, 0, :2, 6:]).all()
    pooled = dn.nn.functional.adaptive_avg_pool2d(dn.tensor(x), 2).numpy()
    np.testing.assert_array_equal(pooled[0, 0], [[np.nan, 1.0], [1.0, np.inf]])


@pytest.mark.parametrize("mode", ["linear", "nearest", "nearest-exact", "area"])
@pytest.mark.parametrize("dims", [1, 2, 3])
def test_non_finite_values_and_kept_sizes_match_torch(rng, mode, dims):
    """NaN and infinities where PyTorch's kernels put them (a tap of weight 0 still reads: inf * 0
    is NaN); a linear axis whose size stays copies, and PyTorch's 2-D nearest copies (or halves the
    index) at a size kept (or doubled) whatever the factor, as a factor of 1.1 on 5 pixels."""
    torch = pytest.importorskip("torch")
    mode = {"linear": ("linear", "bilinear", "trilinear")[dims - 1]}.get(mode, mode)
    x = rng.standard_normal((1, 2) + (5, 3, 4)[:dims])
    x.reshape(-1)[[3, x.size // 2 + 1]] = [np.nan, np.inf]
    x.reshape(-1)[-2] = -np.inf
    for kwargs in (dict(scale_factor=1.1), dict(scale_factor=2.1), dict(size=(5, 7, 2)[:dims])):
        ours = dn.nn.functional.interpolate(dn.tensor(x), mode=mode, **kwargs).numpy()
        theirs = torch.nn.functional.interpolate(torch.tensor(x), mode=mode, **kwargs).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12, err_msg=f"{mode} {kwargs}")


def test_a_linear_axis_that_keeps_its_size_is_copied_as_in_torch():
    x = dn.tensor(np.arange(5.0)[None, None] ** 2)
    np.testing.assert_array_equal(F.interpolate(x, scale_factor=1.1, mode="linear").numpy(), x.numpy())
    image = dn.tensor(np.arange(5.0).reshape(1, 1, 5, 1) * np.ones((1, 1, 1, 3)))
    np.testing.assert_array_equal(F.interpolate(image, scale_factor=(1.1, 1.0)).numpy(), image.numpy())
