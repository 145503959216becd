"""Recurrent networks over signals: an LSTM classifier, a bidirectional GRU forecaster, an LSTMCell loop.

The idioms of yunjey's pytorch-tutorial (`recurrent_neural_network/main.py`:
`nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)`, initial states
`h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size)` passed as `(h0, c0)`,
`out, _ = self.lstm(x, (h0, c0))`, `self.fc(out[:, -1, :])`) and its bidirectional variant
(`torch.cat((h_n[-2], h_n[-1]), dim=1)` of the last layer's two directions, common in sentiment
classifiers); of time-series forecasting tutorials (a `nn.GRU` regressor on sliding windows of a
noisy sine, `x.unsqueeze(-1)` for one feature, `nn.MSELoss`, `torch.optim.Adam`,
`torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)` between `backward` and `step`, as
recurrent models habitually do); of PyTorch's `examples/time_sequence_prediction`
(`nn.LSTMCell` in a hand-written loop: `h_t = torch.zeros(input.size(0), hidden, dtype=...)`,
`for input_t in input.split(1, dim=1): h_t, c_t = self.lstm1(input_t, (h_t, c_t))`, a second
cell stacked on the first, `torch.cat(outputs, dim=1)`, and `future` steps fed back from the
prediction; the model made `.double()`); of variable-length batches (`pad_sequence(seqs,
batch_first=True)`, `pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)`,
`out, (h_n, c_n) = lstm(packed)`, `pad_packed_sequence(out, batch_first=True)`, a classifier on
`h_n[-1]`, as in PyTorch's chatbot and NLP tutorials); `out, (h_n, c_n) = lstm(x)` shapes with `num_layers=2`;
an unbatched `(L, H_in)` sequence; `model.eval()` with `torch.no_grad()` for prediction; and
`state_dict()` keys such as `weight_ih_l0_reverse`.
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

TOLERANCE = {"rtol": 2e-4, "atol": 1e-5}
SEQ_LEN = 16


class LSTMClassifier(nn.Module):
    def __init__(self, input_size=2, hidden_size=12, num_layers=2, num_classes=3):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size)
        c0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size)
        out, _ = self.lstm(x, (h0, c0))
        return self.fc(out[:, -1, :])


class GRUForecaster(nn.Module):
    def __init__(self, hidden_size=8):
        super().__init__()
        self.gru = nn.GRU(input_size=1, hidden_size=hidden_size, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden_size, 1)

    def forward(self, x):
        _, h_n = self.gru(x.unsqueeze(-1))
        return self.head(torch.cat((h_n[-2], h_n[-1]), dim=1)).squeeze(-1)


class Sequence(nn.Module):
    def __init__(self, hidden=10):
        super().__init__()
        self.hidden = hidden
        self.lstm1 = nn.LSTMCell(1, hidden)
        self.lstm2 = nn.LSTMCell(hidden, hidden)
        self.linear = nn.Linear(hidden, 1)

    def forward(self, input, future=0):
        outputs = []
        h_t = torch.zeros(input.size(0), self.hidden, dtype=torch.double)
        c_t = torch.zeros(input.size(0), self.hidden, dtype=torch.double)
        h_t2 = torch.zeros(input.size(0), self.hidden, dtype=torch.double)
        c_t2 = torch.zeros(input.size(0), self.hidden, dtype=torch.double)
        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for _ in range(future):  # the prediction is fed back as the next input
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        return torch.cat(outputs, dim=1)


def build_model():
    return nn.ModuleDict({"classifier": LSTMClassifier(), "forecaster": GRUForecaster(), "sequence": Sequence()})


def signals(rng, n=24):
    """Two-lead 'ECG-like' signals: three rhythms (frequencies), noise, random phases."""
    t = np.arange(SEQ_LEN) / SEQ_LEN
    y = rng.integers(0, 3, n)
    freq = np.array([1.0, 2.0, 3.5])[y][:, None]
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    lead1 = np.sin(2 * np.pi * freq * t + phase)
    lead2 = 0.5 * np.cos(2 * np.pi * freq * t + phase)
    x = np.stack([lead1, lead2], axis=-1) + 0.1 * rng.normal(size=(n, SEQ_LEN, 2))
    return torch.from_numpy(x.astype(np.float32)), torch.from_numpy(y)


def train_classifier(model, rng):
    x, y = signals(rng)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    criterion = nn.CrossEntropyLoss()
    losses, norms = [], []
    for _ in range(6):
        outputs = model(x)
        loss = criterion(outputs, y)
        optimizer.zero_grad()
        loss.backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0).item())
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        _, predicted = torch.max(model(x), 1)
        accuracy = (predicted == y).sum().item() / y.size(0)
    model.train()
    return losses, norms, accuracy


def train_forecaster(model, rng):
    series = np.sin(np.linspace(0, 6 * np.pi, 80)) + 0.05 * rng.normal(size=80)
    windows = np.stack([series[i : i + SEQ_LEN] for i in range(0, 80 - SEQ_LEN - 1, 3)])
    targets = np.array([series[i + SEQ_LEN] for i in range(0, 80 - SEQ_LEN - 1, 3)])
    x = torch.tensor(windows, dtype=torch.float32)
    y = torch.tensor(targets, dtype=torch.float32)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        loss = nn.MSELoss()(model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        losses.append(loss.item())
    return losses, list(x.shape)


def train_sequence(model, rng):
    model.double()
    phases = rng.uniform(0, 2 * np.pi, (6, 1))
    data = np.sin(np.arange(SEQ_LEN + 1)[None, :] / 2.0 + phases)
    input = torch.from_numpy(data[:, :-1])
    target = torch.from_numpy(data[:, 1:])
    criterion = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(3):
        optimizer.zero_grad()
        out = model(input)
        loss = criterion(out, target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        future = 4
        pred = model(input[:2], future=future)
        test_loss = criterion(pred[:, :-future], target[:2]).item()
    return losses, test_loss, list(pred.shape), pred.dtype == torch.float64


def variable_lengths(classifier, rng):
    """Recordings of different lengths: padded, packed (unsorted), classified from h_n[-1]."""
    lengths = [16, 9, 12, 5]
    seqs = [torch.from_numpy(rng.normal(size=(n, 2)).astype(np.float32)) for n in lengths]
    padded = pad_sequence(seqs, batch_first=True)
    packed = pack_padded_sequence(padded, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    out, (h_n, c_n) = classifier.lstm(packed)
    unpacked, out_lengths = pad_packed_sequence(out, batch_first=True)
    classifier.zero_grad()
    loss = F.cross_entropy(classifier.fc(h_n[-1]), torch.tensor([0, 1, 2, 1]))
    loss.backward()
    return [
        list(padded.shape),
        list(unpacked.shape),
        out_lengths.tolist(),
        packed.batch_sizes[:6].tolist(),
        loss.item(),
        classifier.lstm.weight_ih_l0.grad.abs().sum().item(),
        unpacked[1, 9:].abs().sum().item(),
    ]


def run(model, workdir=None):
    rng = np.random.default_rng(25)
    cls_losses, norms, accuracy = train_classifier(model["classifier"], rng)
    gru_losses, window_shape = train_forecaster(model["forecaster"], rng)
    seq_losses, test_loss, pred_shape, pred_dtype = train_sequence(model["sequence"], rng)

    # Shapes of the outputs and states, batched and unbatched, and PyTorch's state_dict names.
    lstm = model["classifier"].lstm
    x, _ = signals(rng, n=4)
    out, (h_n, c_n) = lstm(x)
    single, (h_1, c_1) = lstm(x[0])  # an unbatched (L, H_in) sequence
    same = torch.allclose(single, out[0], atol=1e-6)
    gru_keys = [k for k in model["forecaster"].state_dict() if k.startswith("gru.")]
    last_step = F.softmax(model["classifier"](x), dim=1)
    packed = variable_lengths(model["classifier"], rng)
    return {
        "classifier_losses": cls_losses,
        "grad_norms": norms,
        "accuracy": accuracy,
        "forecaster_losses": gru_losses,
        "window_shape": window_shape,
        "sequence_losses": seq_losses,
        "sequence_test_loss": test_loss,
        "prediction": [pred_shape, pred_dtype],
        "shapes": [list(out.shape), list(h_n.shape), list(c_n.shape), list(single.shape), list(h_1.shape)],
        "unbatched_equals_batched": same,
        "final_state_is_last_output": torch.allclose(h_n[-1], out[:, -1], atol=1e-6),
        "gru_state_dict": gru_keys,
        "weight_shapes": [list(lstm.weight_ih_l0.shape), list(lstm.weight_hh_l1.shape), list(lstm.bias_ih_l1.shape)],
        "probabilities": last_step[:2].tolist(),
        "packed": packed,
    }
