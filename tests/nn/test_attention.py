"""nn.MultiheadAttention: PyTorch's parameter names, shapes and initialization, parity of outputs,
weights and gradients with PyTorch for each option (weights copied from PyTorch), mask semantics,
gradcheck in float64, and the errors."""

import math

import numpy as np
import pytest

import deltanet as dn
from deltanet.nn import MultiheadAttention

KEY_PADDING = np.array([[False, False, False, True], [False, True, False, True]])


def test_parameters_and_initialization():
    mha = MultiheadAttention(8, 2)
    shapes = {name: tuple(p.shape) for name, p in mha.named_parameters()}
    assert shapes == {
        "in_proj_weight": (24, 8),
        "in_proj_bias": (24,),
        "out_proj.weight": (8, 8),
        "out_proj.bias": (8,),
    }
    bound = math.sqrt(6 / (8 + 24))  # xavier_uniform_ of the (3E, E) matrix
    assert np.abs(mha.in_proj_weight.array).max() <= bound
    assert np.abs(mha.in_proj_weight.array).max() > 0.8 * bound
    assert not mha.in_proj_bias.array.any() and not mha.out_proj.bias.array.any()
    other = MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True, bias=False)
    assert {name: tuple(p.shape) for name, p in other.named_parameters()} == {
        "q_proj_weight": (8, 8),
        "k_proj_weight": (8, 3),
        "v_proj_weight": (8, 5),
        "bias_k": (1, 1, 8),
        "bias_v": (1, 1, 8),
        "out_proj.weight": (8, 8),
    }
    assert other.in_proj_weight is None and other.in_proj_bias is None


OPTIONS = [{}, {"batch_first": True}, {"add_bias_kv": True}, {"add_zero_attn": True}, {"kdim": 3, "vdim": 5}]
CALLS = ["plain", "key_padding", "bool_mask", "float_mask_3d", "both", "per_head", "no_weights", "unbatched"]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o) or "default")
@pytest.mark.parametrize("call", CALLS)
def test_matches_pytorch(options, call):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(6, 2, dtype=torch.float64, **options)
    ours = MultiheadAttention(6, 2, dtype="float64", **options)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    N, L, S, kd, vd = 2, 3, 4, options.get("kdim", 6), options.get("vdim", 6)
    first = options.get("batch_first", False)
    shapes = [(N, L, 6), (N, S, kd), (N, S, vd)] if first else [(L, N, 6), (S, N, kd), (S, N, vd)]
    kwargs = {
        "plain": {},
        "key_padding": {"key_padding_mask": KEY_PADDING},
        "bool_mask": {"attn_mask": rng.random((L, S)) > 0.6},
        "float_mask_3d": {"attn_mask": rng.normal(size=(N * 2, L, S))},
        "both": {"attn_mask": np.triu(np.full((L, S), -np.inf), 1), "key_padding_mask": KEY_PADDING * -1e9},
        "per_head": {"average_attn_weights": False},
        "no_weights": {"need_weights": False},
        "unbatched": {"key_padding_mask": KEY_PADDING[0]},
    }[call]
    if call == "unbatched":
        shapes = [(L, 6), (S, kd), (S, vd)]
    arrays = [rng.normal(size=s) for s in shapes]
    q, k, v = (dn.tensor(a, requires_grad=True) for a in arrays)
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in arrays)
    out, weights = ours(q, k, v, **kwargs)
    t_out, t_weights = theirs(
        tq, tk, tv, **{n: torch.tensor(a) if isinstance(a, np.ndarray) else a for n, a in kwargs.items()}
    )
    np.testing.assert_allclose(out.array, t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    loss, t_loss = out.sum(), t_out.sum()
    if t_weights is None:
        assert weights is None
    else:
        np.testing.assert_allclose(weights.array, t_weights.detach().numpy(), rtol=1e-10, atol=1e-12)
        loss, t_loss = loss + (weights * weights).sum(), t_loss + (t_weights * t_weights).sum()
    loss.backward()
    t_loss.backward()
    for a, b in zip((q, k, v), (tq, tk, tv), strict=True):
        np.testing.assert_allclose(a.grad.array, b.grad.numpy(), rtol=1e-9, atol=1e-12)
    ours_p = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(ours_p[name].grad.array, p.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


def test_mask_semantics_true_means_not_allowed():
    rng = np.random.default_rng(1)
    mha = MultiheadAttention(4, 2, batch_first=True, dtype="float64")
    x = dn.tensor(rng.normal(size=(2, 3, 4)))
    banned = np.array([[False, True, True], [False, False, True], [False, False, False]])
    _, w = mha(x, x, x, attn_mask=banned)
    assert np.all(w.array[:, banned] == 0) and np.all(w.array[:, ~banned] > 0)
    _, w_float = mha(x, x, x, attn_mask=np.where(banned, -np.inf, 0.0))
    np.testing.assert_array_equal(w.array, w_float.array)
    _, w_pad = mha(x, x, x, key_padding_mask=np.array([[False, False, True], [False, False, False]]))
    assert np.all(w_pad.array[0, :, 2] == 0) and np.all(w_pad.array[1] > 0)


def test_fully_masked_query_gives_nan_with_weights_and_zeros_without():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(4, 2, batch_first=True, dtype=torch.float64)
    ours = MultiheadAttention(4, 2, batch_first=True, dtype="float64")
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = rng.normal(size=(2, 3, 4))
    padding = np.array([[False] * 3, [True] * 3])
    for need in (True, False):
        out, _ = ours(dn.tensor(x), dn.tensor(x), dn.tensor(x), key_padding_mask=padding, need_weights=need)
        t_out, _ = theirs(*[torch.tensor(x)] * 3, key_padding_mask=torch.tensor(padding), need_weights=need)
        np.testing.assert_allclose(out.array, t_out.detach().numpy(), rtol=1e-10, equal_nan=True)
        assert np.isnan(out.array[1]).all() == need and np.isfinite(out.array[0]).all()


def test_gradcheck():
    rng = np.random.default_rng(3)
    mha = MultiheadAttention(4, 2, add_bias_kv=True, dtype="float64")
    x = dn.tensor(rng.normal(size=(3, 2, 4)), requires_grad=True)
    mask = rng.normal(size=(3, 3))

    def fn(x, *params):
        out, weights = mha(x, x, x, attn_mask=mask, key_padding_mask=np.array([[False] * 3, [False, True, False]]))
        return out.sum() + (weights * weights).sum()

    assert dn.gradcheck(fn, [x, *mha.parameters()])


def test_repr_matches_pytorch():
    torch = pytest.importorskip("torch")
    # PyTorch's out_proj is a NonDynamicallyQuantizableLinear (a Linear named for its quantization tools);
    # deltanet's is a Linear, which dn.save can rebuild.
    theirs = repr(torch.nn.MultiheadAttention(4, 2, bias=False)).replace("NonDynamicallyQuantizableLinear", "Linear")
    assert repr(MultiheadAttention(4, 2, bias=False)) == theirs


def test_errors():
    with pytest.raises(ValueError, match="embed_dim must be divisible by num_heads, got embed_dim=5, num_heads=2"):
        MultiheadAttention(5, 2)
    with pytest.raises(ValueError, match="device must be None or 'cpu'"):
        MultiheadAttention(4, 2, device="cuda")
    mha = MultiheadAttention(4, 2, batch_first=True)
    x = dn.tensor(np.ones((2, 3, 4), dtype=np.float32))
    with pytest.raises(ValueError, match=r"the 2-D attn_mask must have shape \(L, S\) = \(3, 3\), got \(2, 2\)"):
        mha(x, x, x, attn_mask=np.zeros((2, 2), np.float32))
    with pytest.raises(ValueError, match=r"attn_mask must have shape \(L, S\) = \(3, 3\) or \(N \* num_heads, L, S\)"):
        mha(x, x, x, attn_mask=np.zeros((2, 3, 3), np.float32))
    with pytest.raises(ValueError, match=r"key_padding_mask must have shape \(N, S\) = \(2, 3\), got \(3, 3\)"):
        mha(x, x, x, key_padding_mask=np.zeros((3, 3), bool))
    with pytest.raises(TypeError, match="only bool and floating types of attn_mask"):
        mha(x, x, x, attn_mask=np.zeros((3, 3), np.int64))
    with pytest.raises(ValueError, match="is_causal is a hint that attn_mask is causal and needs attn_mask"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(ValueError, match="expected query, key and value of sizes 4, 4, 4 in their last axis, got 5"):
        mha(dn.tensor(np.ones((2, 3, 5), dtype=np.float32)), x, x)
    with pytest.raises(ValueError, match="must all be 3-D"):
        mha(x, x[0], x[0])
    with pytest.raises(ValueError, match="key and value must have the query's batch"):
        mha(x, x[:1], x[:1])


def test_onnx_export_traces_attention_with_a_dynamic_or_fixed_batch(tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")

    class Attend(dn.nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = MultiheadAttention(4, 2, batch_first=True)

        def forward(self, x):
            return self.attn(x, x, x)[0]

    model, path = Attend(), tmp_path / "attend.onnx"
    for dynamic, n in ((True, 3), (False, 2)):  # tests/onnx/test_export_attention.py has more
        dn.onnx.export(model, path, input_shape=(2, 3, 4), dynamic_batch=dynamic)
        x = np.random.default_rng(0).normal(size=(n, 3, 4)).astype(np.float32)
        (got,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input": x})
        np.testing.assert_allclose(got, model(dn.tensor(x)).array, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("separate", [False, True])
def test_functional_multi_head_attention_forward_matches_pytorch(separate):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    q, k, v = rng.normal(size=(3, 2, 4)), rng.normal(size=(5, 2, 4)), rng.normal(size=(5, 2, 4))
    weights = {
        name: rng.normal(size=shape) for name, shape in [("in", (12, 4)), ("out", (4, 4)), ("ob", (4,)), ("ib", (12,))]
    }
    mask = rng.normal(size=(3, 5))

    def call(lib, F, wrap):
        W = wrap(weights["in"])
        extra = {}
        if separate:
            extra = {
                "use_separate_proj_weight": True,
                "q_proj_weight": W[:4],
                "k_proj_weight": W[4:8],
                "v_proj_weight": W[8:],
            }
            W = None
        return F.multi_head_attention_forward(
            *(wrap(a) for a in (q, k, v)),
            4,
            2,
            W,
            wrap(weights["ib"]),
            None,
            None,
            False,
            0.0,
            wrap(weights["out"]),
            wrap(weights["ob"]),
            attn_mask=wrap(mask),
            average_attn_weights=False,
            **extra,
        )

    out, w = call(dn, dn.nn.functional, dn.tensor)
    t_out, t_w = call(torch, torch.nn.functional, torch.tensor)
    np.testing.assert_allclose(out.array, t_out.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w.array, t_w.numpy(), rtol=1e-10, atol=1e-12)


def test_functional_errors():
    x = dn.tensor(np.ones((3, 2, 4)))
    W, b = dn.tensor(np.ones((12, 4))), dn.tensor(np.zeros(12))
    args = (x, x, x, 4, 2, W, b, None, None, False, 0.0, dn.tensor(np.eye(4)), None)
    with pytest.raises(ValueError, match="multi_head_attention_forward: static_k and static_v are not supported"):
        dn.nn.functional.multi_head_attention_forward(*args, static_k=x)
    with pytest.raises(ValueError, match="multi_head_attention_forward: embed_dim must be divisible by num_heads"):
        dn.nn.functional.multi_head_attention_forward(x, x, x, 4, 3, *args[5:])


def test_sdpa_kernel_is_accepted_and_changes_nothing():
    from deltanet.nn.attention import SDPBackend, sdpa_kernel

    q = dn.tensor(np.random.default_rng(5).normal(size=(1, 2, 3, 4)))
    plain = dn.nn.functional.scaled_dot_product_attention(q, q, q, is_causal=True)
    with sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.MATH]):
        inside = dn.nn.functional.scaled_dot_product_attention(q, q, q, is_causal=True)
    np.testing.assert_array_equal(plain.array, inside.array)
    with pytest.raises(TypeError, match="backends must be an SDPBackend or a list of them, got str 'math'"):
        with sdpa_kernel("math"):
            pass
