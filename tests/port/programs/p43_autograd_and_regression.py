"""Autograd as PyTorch's tutorials teach it, a custom `autograd.Function` of the new style, then two official
examples: polynomial regression by hand-written updates and an LSTMCell sine predictor trained with L-BFGS.

The idioms of the 60-minute blitz's autograd page (`Q = 3*a**3 - b**2`, `external_grad = torch.tensor([1.,
1.])`, `Q.backward(gradient=external_grad)`, `9*a**2 == a.grad`); of "Automatic differentiation with
torch.autograd" (`torch.nn.functional.binary_cross_entropy_with_logits(z, y)`, `z.requires_grad`,
`z.detach()`, `inp = torch.eye(4, 5, requires_grad=True)`, `out.backward(torch.ones_like(out),
retain_graph=True)` twice to show accumulation, then `inp.grad.zero_()`); of "Extending PyTorch" and
"Double backward with custom functions" (a `Function` whose `forward(x, k)` has no `ctx`, with a separate
`setup_context(ctx, inputs, output)`; `ctx.mark_non_differentiable(idx)` on a sort's indices;
`@torch.autograd.function.once_differentiable`; `ctx.set_materialize_grads(False)` and a `backward` that
checks `if g is not None`; `torch.autograd.gradcheck` in float64); of `examples/regression/main.py`
(`make_features` with `torch.cat([x ** i for i in range(1, POLY_DEGREE+1)], 1)`, `x.mm(W_target) +
b_target.item()`, `F.smooth_l1_loss`, `for batch_idx in count(1)` with a loss-based stop, `poly_desc`
formatting 0-d tensors with `'{:+.2f} x^{} '.format(w, i + 1)`, `fc.weight.view(-1)`); and of
`examples/time_sequence_prediction/` (`nn.LSTMCell(1, 51)` twice, states `torch.zeros(input.size(0), 51,
dtype=torch.double)`, `for input_t in input.split(1, dim=1)`, `outputs += [output]`, a `future` loop
feeding back the prediction, `seq.double()`, `optim.LBFGS(seq.parameters(), lr=0.8)` with a `closure`,
`pred[:, :-future]`, `pred.detach().numpy()`). The regression's update `param.data.add_(-0.1 *
param.grad)`; the random batches come from NumPy; the LSTM's 51 units are 12 here.
"""

from itertools import count

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

TOLERANCE = {"rtol": 1e-4, "atol": 1e-6}
POLY_DEGREE = 4
W_target = torch.tensor([[0.5], [-1.2], [0.3], [0.8]])
b_target = torch.tensor([1.5])
HIDDEN = 12


class Scale(torch.autograd.Function):
    @staticmethod
    def forward(x, k):
        return x * k

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, k = inputs
        ctx.k = k

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.k, None


class SortValues(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        values, idx = x.sort()
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(x, idx)
        return values, idx

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_values, grad_idx):
        x, idx = ctx.saved_tensors
        grad_x = torch.zeros_like(x)
        grad_x.index_add_(0, idx, grad_values)
        return grad_x


class Split(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.set_materialize_grads(False)
        return x.clone(), x.clone()

    @staticmethod
    def backward(ctx, g1, g2):
        grad = torch.zeros_like(g1 if g1 is not None else g2)
        if g1 is not None:
            grad = grad + g1
        if g2 is not None:
            grad = grad + 10 * g2
        return grad


class Sequence(nn.Module):
    def __init__(self):
        super(Sequence, self).__init__()
        self.lstm1 = nn.LSTMCell(1, HIDDEN)
        self.lstm2 = nn.LSTMCell(HIDDEN, HIDDEN)
        self.linear = nn.Linear(HIDDEN, 1)

    def forward(self, input, future=0):
        outputs = []
        h_t = torch.zeros(input.size(0), HIDDEN, dtype=torch.double)
        c_t = torch.zeros(input.size(0), HIDDEN, dtype=torch.double)
        h_t2 = torch.zeros(input.size(0), HIDDEN, dtype=torch.double)
        c_t2 = torch.zeros(input.size(0), HIDDEN, dtype=torch.double)

        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for i in range(future):  # if we should predict the future
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        outputs = torch.cat(outputs, dim=1)
        return outputs


def build_model():
    return nn.ModuleDict({"fc": torch.nn.Linear(W_target.size(0), 1), "seq": Sequence()})


def make_features(x):
    """Builds features i.e. a matrix with columns [x, x^2, x^3, x^4]."""
    x = x.unsqueeze(1)
    return torch.cat([x**i for i in range(1, POLY_DEGREE + 1)], 1)


def f(x):
    """Approximated function."""
    return x.mm(W_target) + b_target.item()


def poly_desc(W, b):
    """Creates a string description of a polynomial."""
    result = "y = "
    for i, w in enumerate(W):
        result += "{:+.2f} x^{} ".format(w, i + 1)
    result += "{:+.2f}".format(b[0])
    return result


def tutorials():
    out = {}
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    Q = 3 * a**3 - b**2
    external_grad = torch.tensor([1.0, 1.0])
    Q.backward(gradient=external_grad)
    out["blitz"] = [(9 * a**2 == a.grad).tolist(), (-2 * b == b.grad).tolist()]

    x = torch.ones(5)  # input tensor
    y = torch.zeros(3)  # expected output
    w = torch.tensor(np.linspace(-1, 1, 15).reshape(5, 3).astype(np.float32), requires_grad=True)
    b = torch.tensor([0.1, -0.2, 0.3], requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    loss.backward()
    z_det = z.detach()
    with torch.no_grad():
        z_ng = torch.matmul(x, w) + b
    out["autodiff"] = [w.grad.tolist(), b.grad.tolist(), z.requires_grad, z_det.requires_grad, z_ng.requires_grad]

    inp = torch.eye(4, 5, requires_grad=True)
    out_ = (inp + 1).pow(2).t()
    out_.backward(torch.ones_like(out_), retain_graph=True)
    first = inp.grad.clone()
    out_.backward(torch.ones_like(out_), retain_graph=True)
    second = inp.grad.clone()
    inp.grad.zero_()
    out_.backward(torch.ones_like(out_), retain_graph=True)
    out["accumulation"] = [first.sum().item(), second.sum().item(), inp.grad.sum().item()]

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = Scale.apply(x, 3.0)
    y.sum().backward()
    s = torch.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, idx = SortValues.apply(s)
    (values * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    first, second = Split.apply(t)
    first.sum().backward()
    double = torch.tensor([0.3, 0.7], dtype=torch.double, requires_grad=True)
    out["functions"] = [
        x.grad.tolist(),
        values.tolist(),
        idx.tolist(),
        idx.requires_grad,
        s.grad.tolist(),
        t.grad.tolist(),
        torch.autograd.gradcheck(lambda v: Scale.apply(v, 2.5), (double,), eps=1e-6, atol=1e-4),
    ]
    return out


def run(model, workdir):
    results = tutorials()

    # examples/regression
    rng = np.random.default_rng(43)
    fc = model["fc"]

    def get_batch(batch_size=32):
        """Builds a batch i.e. (x, f(x)) pair."""
        random = torch.from_numpy(rng.normal(size=batch_size).astype(np.float32))
        x = make_features(random)
        y = f(x)
        return x, y

    for batch_idx in count(1):
        batch_x, batch_y = get_batch()
        fc.zero_grad()
        output = F.smooth_l1_loss(fc(batch_x), batch_y)
        loss = output.item()
        output.backward()
        for param in fc.parameters():
            param.data.add_(-0.1 * param.grad)
        if loss < 1e-3 or batch_idx == 30:
            break
    results["regression"] = [
        "Loss: {:.6f} after {} batches".format(loss, batch_idx),
        "==> Learned function:\t" + poly_desc(fc.weight.view(-1), fc.bias),
        "==> Actual function:\t" + poly_desc(W_target.view(-1), b_target),
    ]

    # examples/time_sequence_prediction
    T, L, N = 20, 16, 6
    x = np.empty((N, L), "int64")
    x[:] = np.array(range(L)) + np.random.default_rng(2).integers(-4 * T, 4 * T, N).reshape(N, 1)
    data = np.sin(x / 1.0 / T).astype("float64")
    input = torch.from_numpy(data[3:, :-1])
    target = torch.from_numpy(data[3:, 1:])
    test_input = torch.from_numpy(data[:3, :-1])
    test_target = torch.from_numpy(data[:3, 1:])
    seq = model["seq"]
    seq.double()
    criterion = nn.MSELoss()
    optimizer = optim.LBFGS(seq.parameters(), lr=0.8, max_iter=4)
    losses, test_losses = [], []
    for i in range(2):

        def closure():
            optimizer.zero_grad()
            out = seq(input)
            loss = criterion(out, target)
            losses.append(loss.item())
            loss.backward()
            return loss

        optimizer.step(closure)
        with torch.no_grad():
            future = 5
            pred = seq(test_input, future=future)
            loss = criterion(pred[:, :-future], test_target)
            test_losses.append(loss.item())
            y = pred.detach().numpy()
    results["sine"] = {"losses": losses, "test_losses": test_losses, "shape": list(y.shape), "tail": y[0, -3:].tolist()}
    return results
