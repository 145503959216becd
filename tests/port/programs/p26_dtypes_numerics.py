"""A float64 scientific fit, as physics, ODE and quantitative-MRI code writes it: a bi-exponential
T2 relaxation model (myelin-water imaging) fitted to noisy multi-echo signals, with a small
network that predicts the fraction per voxel, and the numerics idioms around it.

The idioms: `torch.set_default_dtype(torch.float64)` at the top of the script (torchdiffeq's and
the PINN tutorials' habit, and d2l's `torch.set_default_dtype` note), restored with
`torch.set_default_dtype(torch.float32)` at the end; `torch.get_default_dtype()` to convert NumPy
data (`torch.from_numpy(a).to(torch.get_default_dtype())`); `eps = torch.finfo(x.dtype).eps` in a
log guard (`torch.log(s.clamp_min(eps))`) and a division guard (`x / (norm + eps)`), as MONAI's
and scikit-image's normalisations; `torch.finfo(scores.dtype).min` as the masked-out score before a
softmax (Hugging Face's attention masks); `torch.finfo(x.dtype).tiny` and `.max`;
`torch.iinfo(torch.int64).max` as the "unassigned" sentinel of a label map reduced with `min`;
`x.size() == torch.Size([...])` and `x.shape[1:].numel()` (flattening a batch);
`torch.is_floating_point(x)` before converting labels; `isinstance(x.dtype, torch.dtype)`;
`torch.promote_types` and `torch.result_type` to choose the dtype of mixed integer/float inputs
and `torch.can_cast` before an in-place update; parameters kept positive through
`F.softplus` and a few Adam steps on the fit and the network.
"""

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

TOLERANCE = {"rtol": 1e-9, "atol": 1e-11}

ECHO_TIMES = np.arange(1, 17) * 10.0  # ms, 16 echoes


def make_signals(rng, n_voxels=24):
    fraction = rng.uniform(0.05, 0.3, n_voxels)  # myelin-water fraction
    t2_short, t2_long = 20.0, 80.0
    t = ECHO_TIMES[None, :]
    clean = fraction[:, None] * np.exp(-t / t2_short) + (1 - fraction[:, None]) * np.exp(-t / t2_long)
    noisy = np.abs(clean + 0.01 * rng.standard_normal(clean.shape))  # magnitude images
    noisy[0, -1] = 0.0  # a voxel that decayed to exactly zero: the log guard must hold
    return noisy, fraction


class BiExponential(nn.Module):
    """S(t) = f exp(-t / T2a) + (1 - f) exp(-t / T2b), with T2 kept positive by softplus."""

    def __init__(self, rng):
        super().__init__()
        self.raw_t2 = nn.Parameter(torch.tensor(rng.uniform(15.0, 90.0, 2).tolist()))

    def forward(self, fraction, t):
        t2 = F.softplus(self.raw_t2) + 1.0
        f = fraction[:, None]
        return f * torch.exp(-t / t2[0]) + (1 - f) * torch.exp(-t / t2[1])


class FractionNet(nn.Module):
    def __init__(self, rng, n_echoes):
        super().__init__()
        self.fc1 = nn.Linear(n_echoes, 8)
        self.fc2 = nn.Linear(8, 1)
        with torch.no_grad():  # weights from NumPy: the same start in every library
            for layer in (self.fc1, self.fc2):
                fan_in = layer.weight.shape[1]
                bound = 1 / math.sqrt(fan_in)
                layer.weight.copy_(torch.from_numpy(rng.uniform(-bound, bound, tuple(layer.weight.shape))))
                layer.bias.copy_(torch.from_numpy(rng.uniform(-bound, bound, layer.bias.shape.numel())))

    def forward(self, log_signal):
        return torch.sigmoid(self.fc2(torch.tanh(self.fc1(log_signal)))).squeeze(-1)


def normalise(signal):
    eps = torch.finfo(signal.dtype).eps
    return signal / (signal[:, :1] + eps)  # divide by the first echo, guarded


def log_signal(signal):
    eps = torch.finfo(signal.dtype).eps
    return torch.log(signal.clamp_min(eps))


def nearest_label(distances, allowed):
    """The index of the closest allowed centre per row; rows with none get the sentinel."""
    sentinel = torch.iinfo(torch.int64).max
    n_centres = distances.shape[1]
    index = torch.arange(n_centres).expand_as(distances)
    masked = distances.masked_fill(~allowed, torch.finfo(distances.dtype).max)
    best = masked.argmin(dim=1)
    labels = torch.where(allowed.any(dim=1), best, torch.full_like(best, sentinel))
    first = torch.where(allowed, index, torch.full_like(index, sentinel)).min(dim=1).values
    return labels, first


def masked_attention(scores, mask):
    scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    return F.softmax(scores, dim=-1)


def run(model, workdir):
    rng = np.random.default_rng(26)
    signals_np, fraction_np = make_signals(rng)
    default_before = torch.get_default_dtype()
    signals = torch.from_numpy(signals_np).to(torch.get_default_dtype())
    fraction_true = torch.tensor(fraction_np.tolist())  # Python floats: the default dtype
    t = torch.tensor(ECHO_TIMES.tolist())
    n_voxels, n_echoes = signals.shape

    checks = {
        "default_is_float64": default_before == torch.float64,
        "list_is_float64": torch.tensor([1.0, 2.0]).dtype == torch.float64,
        "zeros_is_float64": torch.zeros(2).dtype == torch.float64 and torch.rand(2).dtype == torch.float64,
        "arange_float_is_float64": torch.arange(0.0, 1.0, 0.5).dtype == torch.float64,
        "int_division_is_float64": (torch.arange(4) / 2).dtype == torch.float64,
        "size_matches": signals.size() == torch.Size([n_voxels, n_echoes]),
        "shape_matches": signals.shape == torch.Size([24, 16]) and signals.shape == (24, 16),
        "features": signals.shape[1:].numel(),
        "is_dtype": isinstance(signals.dtype, torch.dtype),
        "float_input": torch.is_floating_point(signals),
        "int_input": torch.is_floating_point(torch.arange(3)),
        "is_complex": torch.is_complex(signals),
        "eps64": torch.finfo(signals.dtype).eps,
        "eps32": torch.finfo(torch.float32).eps,
        "tiny32": torch.finfo(torch.float32).tiny,
        "max32": torch.finfo(torch.float32).max,
        "resolution64": torch.finfo(torch.float64).resolution,
        "bits": [torch.finfo(torch.float64).bits, torch.iinfo(torch.int32).bits, torch.iinfo(torch.uint8).max],
        "int64_max": torch.iinfo(torch.int64).max,
        "default_finfo_eps": torch.finfo().eps,
        "promoted_is_float32": torch.promote_types(torch.int64, torch.float32) == torch.float32,
        "promoted_ints_is_int16": torch.promote_types(torch.uint8, torch.int8) == torch.int16,
        "result_is_float64": torch.result_type(torch.arange(3), 1.5) == torch.float64,
        "result_keeps_float32": torch.result_type(torch.ones(2, dtype=torch.float32), 2.0) == torch.float32,
        "can_cast_down": torch.can_cast(torch.float64, torch.float32),
        "can_cast_to_int": torch.can_cast(torch.float32, torch.int64),
        "nonzero": torch.is_nonzero(torch.tensor([0.5])),
    }

    # Mixed inputs: integer echo counts and float weights, in their promoted dtype.
    counts = torch.tensor([3, 5, 8])
    weights = torch.tensor([0.2, 0.3, 0.5], dtype=torch.float32)
    common = torch.promote_types(counts.dtype, weights.dtype)
    weighted = counts.to(common) * weights.to(common)
    checks["weighted"] = weighted.tolist()
    checks["weighted_is_float32"] = weighted.dtype == torch.float32

    # The sentinel label map and the masked softmax.
    distances = torch.from_numpy(rng.uniform(0, 1, (5, 4)))
    allowed = torch.from_numpy(rng.uniform(0, 1, (5, 4)) > 0.5)
    allowed[2] = False
    labels, first = nearest_label(distances, allowed)
    checks["labels"] = labels.tolist()
    checks["first"] = first.tolist()
    attention = masked_attention(torch.from_numpy(rng.standard_normal((3, 4))), allowed[:3] | torch.eye(3, 4).bool())
    checks["attention"] = attention.sum(dim=1).tolist()
    checks["attention_masked"] = (attention[~(allowed[:3] | torch.eye(3, 4).bool())] == 0).all().item()

    # The guarded log and division of a signal with an exact zero.
    logs = log_signal(signals)
    checks["log_finite"] = bool(torch.isfinite(logs).all())
    checks["log_floor"] = logs.min().item()
    checks["normalised_first"] = normalise(signals)[:, 0].tolist()[:3]

    # The fit: physical parameters and a fraction network, float64 throughout.
    physics = BiExponential(rng)
    net = FractionNet(rng, n_echoes)
    params = list(physics.parameters()) + list(net.parameters())
    checks["params_float64"] = all(p.dtype == torch.float64 for p in params)
    optimizer = torch.optim.Adam(params, lr=0.05)
    history = []
    inputs = log_signal(normalise(signals))
    for _ in range(12):
        optimizer.zero_grad()
        fraction = net(inputs)
        predicted = physics(fraction, t)
        eps = torch.finfo(predicted.dtype).eps
        data_term = F.mse_loss(torch.log(predicted + eps), torch.log(signals + eps))
        loss = data_term + 0.1 * F.mse_loss(fraction, fraction_true)
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    with torch.no_grad():
        t2 = (F.softplus(physics.raw_t2) + 1.0).tolist()
    checks["loss_is_float64"] = loss.dtype == torch.float64
    checks["grad_is_float64"] = net.fc1.weight.grad.dtype == torch.float64

    torch.set_default_dtype(torch.float32)
    checks["restored"] = torch.get_default_dtype() == torch.float32 and torch.tensor([1.0]).dtype == torch.float32
    checks["old_params_stay_float64"] = net.fc1.weight.dtype == torch.float64
    checks["new_layer_is_float32"] = nn.Linear(2, 2).weight.dtype == torch.float32
    return {"history": history, "t2": t2, "checks": checks}
