"""Autograd and `nn.Module` internals, as teachers and students write them.

The idioms of PyTorch's "Learning PyTorch with Examples" (`LegendrePolynomial3`, a custom
`torch.autograd.Function` with `@staticmethod forward(ctx, input)` / `backward(ctx, grad_output)`,
`ctx.save_for_backward`, `ctx.saved_tensors`, `P3 = LegendrePolynomial3.apply`) and of "Extending
PyTorch" (`LinearFunction` with `ctx.needs_input_grad`, an optional `bias=None` argument, checked
with `torch.autograd.gradcheck` in float64); of the word-language-model example (weight tying
`self.decoder.weight = self.encoder.weight`, `nn.ModuleList` of blocks); of feature-extraction
posts and course notebooks (`register_forward_hook` saving `output.detach()` into an
`activations` dict, `register_full_backward_hook`, `handle.remove()`), of gradient clipping by
`p.register_hook(lambda grad: torch.clamp(grad, -c, c))`; and of autograd lectures: `is_leaf`,
`grad_fn is None`, `retain_grad()` and the `.grad` of a non-leaf, `retain_graph=True` and the
accumulation of two backward passes, `x.grad.zero_()`, `loss.backward(gradient=...)` of a
non-scalar, `torch.autograd.grad(loss, [w])`, `requires_grad_()`, `torch.enable_grad()` inside
`torch.no_grad()`, `torch.autograd.functional.jacobian`; `nn.ModuleDict`, `nn.ParameterList`,
`nn.Parameter(torch.randn(...))` in `__init__`, `extra_repr`, `print(model)`, `named_children()`,
`children()`, `modules()`, `nn.utils.parameters_to_vector` / `vector_to_parameters`.
"""

import math

import numpy as np
import torch
from torch import nn
from torch.autograd.functional import jacobian

TOLERANCE = {"rtol": 1e-4, "atol": 1e-6}
VOCAB, DIM = 7, 6


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input**3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input**2 - 1)


class LinearFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, weight, bias=None):
        ctx.save_for_backward(input, weight, bias)
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


class MyLinear(nn.Module):
    def __init__(self, input_features, output_features, bias=True):
        super().__init__()
        self.input_features = input_features
        self.output_features = output_features
        self.weight = nn.Parameter(torch.randn(output_features, input_features) * 0.3)
        if bias:
            self.bias = nn.Parameter(torch.zeros(output_features))
        else:
            self.register_parameter("bias", None)

    def forward(self, input):
        return LinearFunction.apply(input, self.weight, self.bias)

    def extra_repr(self):
        bias = self.bias is not None
        return f"input_features={self.input_features}, output_features={self.output_features}, bias={bias}"


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc = MyLinear(dim, dim)
        self.act = nn.Tanh()

    def forward(self, x):
        n, t, d = x.shape
        return x + self.act(self.fc(x.reshape(-1, d)).view(n, t, d))


class TiedLM(nn.Module):
    def __init__(self, vocab=VOCAB, dim=DIM, n_blocks=2):
        super().__init__()
        self.encoder = nn.Embedding(vocab, dim)
        self.blocks = nn.ModuleList([Block(dim) for _ in range(n_blocks)])
        self.heads = nn.ModuleDict({"norm": nn.LayerNorm(dim), "drop": nn.Dropout(0.0)})
        self.decoder = nn.Linear(dim, vocab)
        self.decoder.weight = self.encoder.weight  # weight tying

    def forward(self, idx):
        h = self.encoder(idx)
        for block in self.blocks:
            h = block(h)
        return self.decoder(self.heads["drop"](self.heads["norm"](h)))


class Mixture(nn.Module):
    def __init__(self, n=3):
        super().__init__()
        self.scales = nn.ParameterList([nn.Parameter(torch.ones(1) * (i + 1)) for i in range(n)])
        self.offset = nn.Parameter(torch.randn(n))

    def forward(self, x):
        return sum(s * x**i for i, s in enumerate(self.scales)) + self.offset.sum()


class Models(nn.Module):
    def __init__(self):
        super().__init__()
        self.lm = TiedLM()
        self.mix = Mixture()


def build_model():
    return Models()


def legendre_fit(rng):
    # The tutorial's fit of sin(x) by a + b * P3(c + d * x), with its custom Function.
    x = torch.linspace(-math.pi, math.pi, 200, dtype=torch.float64)
    y = torch.sin(x)
    a, b, c, d = (torch.full((), v, dtype=torch.float64, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3))
    P3 = LegendrePolynomial3.apply
    losses = []
    for t in range(40):
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        if t % 10 == 9:
            losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= 5e-5 * p.grad
                p.grad = None
    inp = torch.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    weight = torch.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    ok = torch.autograd.gradcheck(LinearFunction.apply, (inp, weight), eps=1e-6, atol=1e-4)
    return {"losses": losses, "coefficients": [p.item() for p in (a, b, c, d)], "gradcheck": ok}


def autograd_basics(rng):
    x = torch.tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    w = torch.tensor(rng.standard_normal(4).astype(np.float32)).requires_grad_()
    h = x * w
    h.retain_grad()
    y = (h.tanh() ** 2).sum()
    facts = [x.is_leaf, h.is_leaf, x.grad_fn is None, h.grad_fn is None, h.requires_grad]
    y.backward(retain_graph=True)
    first = x.grad.clone()
    y.backward()  # the second pass through the retained graph adds up
    doubled = torch.allclose(x.grad, 2 * first)
    h_grad = h.grad.tolist()
    x.grad.zero_()
    v = x * 3
    v.backward(gradient=torch.tensor([1.0, 0.5, 0.0, -1.0]))
    w_grad_before = w.grad.clone()
    (gw,) = torch.autograd.grad((w**3).sum(), [w])
    with torch.no_grad():
        frozen = x * 2
        with torch.enable_grad():
            tracked = x * 2
    J = jacobian(lambda t: t.sin() * t.sum(), torch.tensor(rng.standard_normal(3)))
    return {
        "facts": facts,
        "first": first.tolist(),
        "doubled": doubled,
        "h_grad": h_grad,
        "vector_backward": x.grad.tolist(),
        "autograd_grad": gw.tolist(),
        "w_grad_untouched": torch.equal(w.grad, w_grad_before),
        "modes": [frozen.requires_grad, tracked.requires_grad],
        "jacobian": J.flatten().tolist(),
    }


def train_tied(model, rng):
    lm = model.lm
    print_model = str(lm)
    structure = {
        "children": [name for name, _ in lm.named_children()],
        "n_children": len(list(lm.children())),
        "n_modules": len(list(lm.modules())),
        "tied": lm.decoder.weight is lm.encoder.weight,
        "n_params": sum(p.numel() for p in lm.parameters()),
        "state_keys": list(lm.state_dict().keys()),
    }
    activations = {}

    def get_activation(name):
        def hook(model, input, output):
            activations[name] = output.detach()

        return hook

    handles = [lm.blocks[i].register_forward_hook(get_activation(f"block{i}")) for i in range(2)]
    grad_norms = []
    bh = lm.heads["norm"].register_full_backward_hook(
        lambda module, grad_input, grad_output: grad_norms.append(grad_output[0].norm().item())
    )
    clip = 0.05
    for p in lm.parameters():
        p.register_hook(lambda grad: torch.clamp(grad, -clip, clip))
    tokens = torch.tensor(rng.integers(0, VOCAB, size=(5, 4)))
    targets = torch.tensor(rng.integers(0, VOCAB, size=(5, 4)))
    optimizer = torch.optim.SGD(lm.parameters(), lr=0.5)
    criterion = nn.CrossEntropyLoss()
    losses = []
    for step in range(4):
        optimizer.zero_grad()
        logits = lm(tokens)
        loss = criterion(logits.view(-1, VOCAB), targets.view(-1))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    max_grad = max(p.grad.abs().max().item() for p in lm.parameters())
    act_shapes = {k: list(v.shape) for k, v in activations.items()}
    act_sums = [v.sum().item() for v in activations.values()]
    for handle in handles:
        handle.remove()
    bh.remove()
    activations.clear()
    n_calls = len(grad_norms)
    lm(tokens).sum().backward()
    return {
        "print": print_model,
        "structure": structure,
        "losses": losses,
        "max_grad": max_grad,
        "act_shapes": act_shapes,
        "act_sums": act_sums,
        "grad_norms": grad_norms,
        "hooks_removed": activations == {} and len(grad_norms) == n_calls,
    }


def flat_params(model, rng):
    mix = model.mix
    vec = torch.nn.utils.parameters_to_vector(mix.parameters())
    x = torch.tensor(rng.standard_normal(5).astype(np.float32))
    out = mix(x).sum()
    out.backward()
    grads = [p.grad.item() for p in mix.scales]
    torch.nn.utils.vector_to_parameters(vec * 0.5, mix.parameters())
    return {
        "vec": vec.tolist(),
        "vec_requires_grad": vec.requires_grad,
        "grads": grads,
        "halved": [p.item() for p in mix.scales],
        "names": [n for n, _ in mix.named_parameters()],
    }


def run(model, workdir=None):
    rng = np.random.default_rng(15)
    return {
        "legendre": legendre_fit(rng),
        "basics": autograd_basics(rng),
        "tied": train_tied(model, rng),
        "flat": flat_params(model, rng),
    }
