"""``deltanet.amp``: autocast and GradScaler as PyTorch's on a machine without CUDA."""

import warnings

import numpy as np
import pytest

import deltanet as dn
from deltanet.amp import GradScaler, autocast


def make(lib, seed=0):
    rng = np.random.default_rng(seed)
    model = lib.nn.Linear(3, 2)
    with lib.no_grad():
        model.weight.copy_(lib.tensor(rng.normal(size=(2, 3)).astype(np.float32)))
        model.bias.copy_(lib.tensor(rng.normal(size=2).astype(np.float32)))
    return model, lib.tensor(rng.normal(size=(4, 3)).astype(np.float32))


def test_autocast_disabled_or_for_cuda_changes_nothing():
    model, x = make(dn)
    expected = model(x).array.copy()
    with autocast(device_type="cpu", enabled=False):
        assert np.array_equal(model(x).array, expected) and model(x).dtype == dn.float32
    with pytest.warns(UserWarning, match="CUDA is not available or torch_xla is imported. Disabling autocast."):
        region = dn.autocast("cuda")
    with region:
        assert np.array_equal(model(x).array, expected)
        assert not dn.is_autocast_enabled() and not dn.is_autocast_enabled("cuda")
    with pytest.warns(UserWarning, match="In CPU autocast, but the target dtype is not supported"):
        region = dn.amp.autocast("cpu", dtype=dn.float32)
    with region:
        assert np.array_equal(model(x).array, expected)

    @dn.autocast("cuda", enabled=False)
    def forward(inp):
        return model(inp)

    assert np.array_equal(forward(x).array, expected)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with dn.autocast("mps"):  # no MPS tensors exist here: nothing to cast, as in PyTorch
            assert np.array_equal(model(x).array, expected)


def test_autocast_in_bfloat16_on_the_cpu_is_refused_naming_enabled_false():
    with pytest.raises(RuntimeError, match=r"compute in bfloat16.*float32 and float64 only.*enabled=False"):
        dn.autocast("cpu")
    with pytest.raises(RuntimeError, match=r"dtype=float16"):
        dn.autocast(device_type="cpu", dtype="float16")
    with pytest.raises(RuntimeError, match=r"enabled=False"), pytest.warns(FutureWarning):
        dn.cpu.amp.autocast()


def test_autocast_bad_arguments():
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        dn.autocast(0)
    with pytest.raises(ValueError, match="device type must be one of"):
        dn.autocast("gpu")
    with pytest.raises(ValueError, match="enabled must be True or False, got 'no'"):
        dn.autocast("cpu", enabled="no")


def test_deprecated_spellings_warn_as_pytorch():
    with pytest.warns(FutureWarning, match=r"torch.cuda.amp.GradScaler\(args...\)` is deprecated"):
        scaler = dn.cuda.amp.GradScaler(enabled=False)
    assert not scaler.is_enabled()
    with pytest.warns(FutureWarning, match=r"torch.cuda.amp.autocast\(args...\)` is deprecated"):
        dn.cuda.amp.autocast(enabled=False)
    with pytest.warns(FutureWarning, match=r"torch.cpu.amp.GradScaler"):
        assert dn.cpu.amp.GradScaler().is_enabled()
    assert dn.cpu.is_available() and dn.cpu.device_count() == 1


def test_a_cuda_scaler_is_disabled_and_passes_everything_through():
    with pytest.warns(UserWarning, match="GradScaler is enabled, but CUDA is not available.  Disabling."):
        scaler = GradScaler()
    model, x = make(dn)
    opt = dn.optim.SGD(model.parameters(), lr=0.1)
    loss = model(x).sum()
    assert scaler.scale(loss) is loss
    loss.backward()
    before = model.weight.array.copy()
    scaler.unscale_(opt)
    assert scaler.step(opt) is None
    scaler.update()
    assert not np.array_equal(model.weight.array, before)
    assert scaler.get_scale() == 1.0 and scaler.state_dict() == {} and not scaler.is_enabled()
    scaler.load_state_dict({})


def test_cpu_scaler_errors():
    scaler = GradScaler("cpu")
    model, x = make(dn)
    opt = dn.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(RuntimeError, match="No inf checks were recorded for this optimizer"):
        GradScaler("cpu").step(opt)
    scaler.scale(model(x).sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(opt, closure=lambda: None)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called since the last update"):
        scaler.step(opt)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) is being called after step"):
        scaler.unscale_(opt)
    scaler.update()
    with pytest.raises(RuntimeError, match="No inf checks were recorded prior to update"):
        scaler.update()
    with pytest.raises(RuntimeError, match="The source state dict is empty"):
        scaler.load_state_dict({})
    with pytest.raises(ValueError, match="growth_factor must be a number > 1, got 0.5"):
        GradScaler("cpu", growth_factor=0.5)
    with pytest.raises(ValueError, match="growth_interval must be a positive integer"):
        GradScaler("cpu", growth_interval=0)
    with pytest.raises(ValueError, match="outputs must be a Tensor or an iterable of Tensors"):
        scaler.scale(3.0)
    with pytest.raises(RuntimeError, match="no GPU backend"):
        GradScaler("mps")


def run_scaler(lib, device, steps=8, inf_at=(2, 5)):
    """A loss scale sequence with overflows injected: the scale, tracker, weights after each step."""
    model, x = make(lib)
    opt = lib.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    scaler = lib.amp.GradScaler(device, init_scale=2.0**10, growth_interval=2, backoff_factor=0.25)
    record = []
    for i in range(steps):
        opt.zero_grad()
        loss = (model(x) ** 2).mean()
        if i in inf_at:
            loss = loss * float("inf")
        scaler.scale(loss).backward()
        if i % 3 == 0:
            scaler.unscale_(opt)
            lib.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(opt)
        scaler.update()
        record.append(
            (scaler.get_scale(), scaler.state_dict()["_growth_tracker"], model.weight.detach().numpy().copy())
        )
    return record, scaler.state_dict(), [s.scale(lib.ones(1)).tolist() for s in [scaler]]


def test_cpu_scaler_follows_pytorchs_scale_sequence_and_skips():
    torch = pytest.importorskip("torch")
    ours, our_state, our_scaled = run_scaler(dn, "cpu")
    theirs, their_state, their_scaled = run_scaler(torch, "cpu")
    for (s, t, w), (ts, tt, tw) in zip(ours, theirs, strict=True):
        assert s == ts and t == int(tt)
        np.testing.assert_allclose(w, tw, rtol=1e-6, atol=1e-7)
    their_state["_growth_tracker"] = int(their_state["_growth_tracker"])
    assert our_state == their_state and our_scaled == their_scaled
    assert [r[0] for r in ours] == [1024.0, 2048.0, 512.0, 512.0, 1024.0, 256.0, 256.0, 512.0]


def test_scaler_state_round_trips_and_loads_pytorchs():
    torch = pytest.importorskip("torch")
    t = torch.amp.GradScaler("cpu", init_scale=64.0, growth_factor=3.0, growth_interval=7)
    s = GradScaler("cpu")
    s.load_state_dict(t.state_dict())
    assert s.get_scale() == 64.0 and s.get_growth_factor() == 3.0 and s.get_growth_interval() == 7
    fresh = GradScaler("cpu")
    fresh.load_state_dict(s.state_dict())
    assert fresh.state_dict() == s.state_dict()
    s.update(new_scale=dn.tensor(8.0))
    assert s.get_scale() == 8.0


def test_custom_fwd_bwd_and_availability():
    class Double(dn.autograd.Function):
        @staticmethod
        @dn.amp.custom_fwd(device_type="cuda", cast_inputs=dn.float32)
        def forward(ctx, x):
            return x * 2

        @staticmethod
        @dn.amp.custom_bwd(device_type="cuda")
        def backward(ctx, grad):
            return grad * 2

    assert Double.forward(None, 3) == 6 and Double.backward(None, 1) == 2
    assert dn.amp.custom_fwd(abs, device_type="cpu")(-2) == 2
    with pytest.raises(TypeError, match="device_type"):
        dn.amp.custom_fwd(abs)
    with pytest.warns(FutureWarning, match=r"torch.cuda.amp.custom_fwd\(args...\)` is deprecated"):
        assert dn.cuda.amp.custom_fwd(abs)(-3) == 3
    with pytest.warns(FutureWarning, match=r"torch.cuda.amp.custom_bwd"):
        assert dn.cuda.amp.custom_bwd(abs)(-3) == 3
    assert not dn.amp.is_autocast_available("cpu") and not dn.amp.is_autocast_available("cuda")
    with pytest.raises(ValueError, match="device type must be one of"):
        dn.amp.is_autocast_available("tpu")


def test_cuda_queries_answer_as_pytorch_without_cuda():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this PyTorch has a GPU")
    for name in ("is_initialized", "is_bf16_supported", "memory_allocated", "max_memory_allocated", "memory_reserved"):
        assert getattr(dn.cuda, name)() == getattr(torch.cuda, name)(), name
    dn.cuda.reset_peak_memory_stats()
    for call in ("current_device", "get_device_name", "synchronize"):
        with pytest.raises(RuntimeError, match=rf"torch.cuda.{call}\(\): deltanet has no GPU backend"):
            getattr(dn.cuda, call)()
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
            getattr(torch.cuda, call)()
