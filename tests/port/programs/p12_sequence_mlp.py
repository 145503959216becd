"""Character-level language models: bigram counts, a one-hot network, Bengio's MLP and a per-position model.

The idioms of Karpathy's makemore lectures ("The spelled-out intro to language modeling" and
"Building makemore Part 2: MLP"): `stoi`/`itos` dictionaries, `N = torch.zeros((V, V),
dtype=torch.int32)` filled with `N[ix1, ix2] += 1`, `P = (N + 1).float()`,
`P /= P.sum(1, keepdims=True)`, `P[ix1, ix2].log()`; `F.one_hot(xs, num_classes=V).float() @ W`,
`logits.exp()` and `counts / counts.sum(1, keepdims=True)`, `probs[torch.arange(n), ys].log().mean()`,
`W.grad = None` and `W.data += -lr * W.grad`; the MLP's `C[X]` embedding lookup (here
`nn.Embedding`), `emb.view(emb.shape[0], -1)`, `torch.tanh`, mini-batches from
`torch.randint`-style indices (here from NumPy), `F.cross_entropy(logits, Y[ix])`; and of GPT-style
per-position heads, `F.cross_entropy(logits.view(-1, V), targets.view(-1))` over `(B, T, V)`
logits, `torch.stack` of shifted windows, greedy decoding with `argmax(dim=-1)` and `.item()`.
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

TOLERANCE = {"rtol": 2e-4, "atol": 1e-5}

WORDS = "emma olivia ava isabella sophia charlotte mia amelia harper evelyn abigail emily ella elizabeth".split()
BLOCK = 3


class MLPLanguageModel(nn.Module):
    def __init__(self, vocab=27, n_embd=6, n_hidden=32, block_size=BLOCK):
        super().__init__()
        self.emb = nn.Embedding(vocab, n_embd)
        self.hidden = nn.Linear(block_size * n_embd, n_hidden)
        self.out = nn.Linear(n_hidden, vocab)
        self.pos_head = nn.Linear(n_embd, vocab)

    def forward(self, idx):
        emb = self.emb(idx)  # (B, T, n_embd)
        h = torch.tanh(self.hidden(emb.view(emb.shape[0], -1)))
        return self.out(h)

    def per_position(self, idx):
        return self.pos_head(self.emb(idx))  # (B, T, V)


def build_model():
    return MLPLanguageModel(vocab=vocabulary()[2])


def vocabulary():
    chars = sorted(list(set("".join(WORDS))))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    itos = {i: s for s, i in stoi.items()}
    return stoi, itos, len(stoi)


def bigrams(stoi, V):
    N = torch.zeros((V, V), dtype=torch.int32)
    xs, ys = [], []
    for w in WORDS:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):  # noqa: B905 - the lecture's spelling
            ix1, ix2 = stoi[ch1], stoi[ch2]
            N[ix1, ix2] += 1
            xs.append(ix1)
            ys.append(ix2)
    P = (N + 1).float()
    P /= P.sum(1, keepdims=True)
    xs, ys = torch.tensor(xs), torch.tensor(ys)
    nll = -P[xs, ys].log().mean()
    return N, P, xs, ys, nll


def one_hot_network(xs, ys, V, rng):
    W = torch.tensor(rng.normal(size=(V, V)).astype(np.float32), requires_grad=True)
    num = xs.nelement()
    losses = []
    for _ in range(5):
        xenc = F.one_hot(xs, num_classes=V).float()
        logits = xenc @ W
        counts = logits.exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W**2).mean()
        W.grad = None
        loss.backward()
        W.data += -10 * W.grad
        losses.append(loss.item())
    return losses


def dataset(stoi):
    X, Y = [], []
    for w in WORDS:
        context = [0] * BLOCK
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(X), torch.tensor(Y)


def run(model, workdir=None):
    rng = np.random.default_rng(12)
    stoi, itos, V = vocabulary()
    N, P, xs, ys, nll = bigrams(stoi, V)
    one_hot_losses = one_hot_network(xs, ys, V, rng)

    X, Y = dataset(stoi)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for step in range(30):
        ix = torch.from_numpy(rng.integers(0, X.shape[0], (16,)))
        logits = model(X[ix])
        loss = F.cross_entropy(logits, Y[ix])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 10 == 9:
            losses.append(loss.item())

    # Per-position targets: each window predicts its next characters (logits of shape (B, T, V)).
    windows = torch.stack([X[i] for i in range(0, 20, 2)])
    targets = torch.stack([torch.cat([X[i][1:], Y[i : i + 1]]) for i in range(0, 20, 2)])
    logits = model.per_position(windows)
    B, T, C = logits.shape
    seq_loss = F.cross_entropy(logits.view(B * T, C), targets.view(B * T))
    seq_loss_alt = F.cross_entropy(logits.view(-1, V), targets.view(-1), reduction="sum") / targets.numel()
    seq_loss.backward()

    with torch.no_grad():
        full = F.cross_entropy(model(X), Y).item()
        context = [0] * BLOCK
        name = []
        for _ in range(6):
            ix = model(torch.tensor([context])).argmax(dim=-1).item()
            context = context[1:] + [ix]
            if ix == 0:
                break
            name.append(itos[ix])
    return {
        "vocab": V,
        "count_dtype": str(N.dtype).replace("torch.", ""),
        "total_bigrams": N.sum().item(),
        "most_common": divmod(N.argmax().item(), V),
        "row_sums": P.sum(1)[:3].tolist(),
        "bigram_nll": nll.item(),
        "one_hot_losses": one_hot_losses,
        "dataset": [list(X.shape), X.dtype == torch.int64, Y[:5].tolist()],
        "mlp_losses": losses,
        "full_loss": full,
        "seq_loss": [seq_loss.item(), seq_loss_alt.item(), list(logits.shape)],
        "pos_head_grad": model.pos_head.weight.grad.abs().sum().item(),
        "greedy_name": "".join(name),
    }
