r"""Word-level language models, as PyTorch's official example trains them: an LSTM with tied weights, a
GRU and a Transformer encoder, on a corpus read from text files.

The idioms of `examples/word_language_model/`: `data.py`'s `Dictionary` (`word2idx`, `idx2word`,
`add_word`) and `Corpus.tokenize` (`from io import open`, `line.split() + ['<eos>']`,
`torch.tensor(ids).type(torch.int64)`, `torch.cat(idss)`); `model.py`'s `RNNModel` (`getattr(nn,
rnn_type)(ninp, nhid, nlayers, dropout=dropout)`, `nn.RNN(..., nonlinearity='tanh')` for `RNN_TANH`,
`nn.Embedding`, weight tying `self.decoder.weight = self.encoder.weight`, `init_weights` with
`nn.init.uniform_(..., -initrange, initrange)` and `nn.init.zeros_`, `decoded.view(-1, self.ntoken)`,
`F.log_softmax(decoded, dim=1)`, `init_hidden` from `weight = next(self.parameters())` and
`weight.new_zeros(self.nlayers, bsz, self.nhid)`), its `PositionalEncoding` (`torch.arange(0, max_len,
dtype=torch.float).unsqueeze(1)`, `div_term = torch.exp(torch.arange(0, d_model, 2).float() *
(-math.log(10000.0) / d_model))`, `pe[:, 0::2] = torch.sin(position * div_term)`,
`pe.unsqueeze(0).transpose(0, 1)`, `self.register_buffer('pe', pe)`, `self.pe[:x.size(0), :]`) and
`TransformerModel(nn.Transformer)` (a subclass that calls `super().__init__(d_model=ninp, nhead=nhead,
dim_feedforward=nhid, num_encoder_layers=nlayers)`, then replaces `self.decoder` by an `nn.Linear`, and
whose causal mask is `torch.log(torch.tril(torch.ones(sz, sz)))`, passed as `self.encoder(src,
mask=self.src_mask)`); `main.py`'s `batchify` (`data.narrow(0, 0, nbatch * bsz)`, `data.view(bsz,
-1).t().contiguous()`), `get_batch` (`source[i:i+seq_len]`, `source[i+1:i+1+seq_len].view(-1)`),
`repackage_hidden` (`isinstance(h, torch.Tensor)`, `h.detach()`, a tuple otherwise),
`criterion = nn.NLLLoss()`, `torch.nn.utils.clip_grad_norm_(model.parameters(), clip)`, the update
`p.data.add_(p.grad, alpha=-lr)`, the log line with
`math.exp(cur_loss)`, `evaluate`'s
`total_loss += len(data) * criterion(output, targets).item()`, `lr /= 4.0` when the validation loss
does not improve; and `generate.py`'s `input = torch.randint(ntokens, (1, 1), dtype=torch.long)`
(here a fixed first word), `output.squeeze().div(temperature).exp()` (the sampling by
`torch.multinomial` replaced by its argmax: the two libraries draw different numbers) and
`input.fill_(word_idx)`. Dropout is 0 so that the runs compare; the best model is saved with
`with open(args.save, 'wb') as f: torch.save(..., f)` and read back with `torch.load(f)`, as a `state_dict`
(the example's `torch.save(model, f)` pickles the module).
"""

import math
import os
from io import open

import torch
import torch.nn as nn
import torch.nn.functional as F

TOLERANCE = {"rtol": 2e-3, "atol": 1e-5}
TEXT = [
    "the cat sat on the mat",
    "the dog sat on the log",
    "a cat and a dog met on the mat",
    "the dog ran to the cat",
    "a bird sat on the dog",
    "the cat ran to the log",
]


class Dictionary(object):
    def __init__(self):
        self.word2idx = {}
        self.idx2word = []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]

    def __len__(self):
        return len(self.idx2word)


class Corpus(object):
    def __init__(self, path):
        self.dictionary = Dictionary()
        self.train = self.tokenize(os.path.join(path, "train.txt"))
        self.valid = self.tokenize(os.path.join(path, "valid.txt"))

    def tokenize(self, path):
        """Tokenizes a text file."""
        assert os.path.exists(path)
        with open(path, "r", encoding="utf8") as f:
            for line in f:
                words = line.split() + ["<eos>"]
                for word in words:
                    self.dictionary.add_word(word)
        with open(path, "r", encoding="utf8") as f:
            idss = []
            for line in f:
                words = line.split() + ["<eos>"]
                ids = []
                for word in words:
                    ids.append(self.dictionary.word2idx[word])
                idss.append(torch.tensor(ids).type(torch.int64))
            ids = torch.cat(idss)
        return ids


class RNNModel(nn.Module):
    """Container module with an encoder, a recurrent module, and a decoder."""

    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
        super(RNNModel, self).__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        if rnn_type in ["LSTM", "GRU"]:
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        else:
            nonlinearity = {"RNN_TANH": "tanh", "RNN_RELU": "relu"}[rnn_type]
            self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity=nonlinearity, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        if tie_weights:
            if nhid != ninp:
                raise ValueError("When using the tied flag, nhid must be equal to emsize")
            self.decoder.weight = self.encoder.weight
        self.init_weights()
        self.rnn_type = rnn_type
        self.nhid = nhid
        self.nlayers = nlayers

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == "LSTM":
            return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))
        else:
            return weight.new_zeros(self.nlayers, bsz, self.nhid)


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=5000):
        super(PositionalEncoding, self).__init__()
        self.dropout = nn.Dropout(p=dropout)
        pe = torch.zeros(max_len, d_model)
        position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        pe = pe.unsqueeze(0).transpose(0, 1)
        self.register_buffer("pe", pe)

    def forward(self, x):
        x = x + self.pe[: x.size(0), :]
        return self.dropout(x)


class TransformerModel(nn.Transformer):
    """Container module with an encoder, a recurrent or transformer module, and a decoder."""

    def __init__(self, ntoken, ninp, nhead, nhid, nlayers, dropout=0.5):
        super(TransformerModel, self).__init__(
            d_model=ninp, nhead=nhead, dim_feedforward=nhid, num_encoder_layers=nlayers, dropout=dropout
        )
        self.model_type = "Transformer"
        self.src_mask = None
        self.pos_encoder = PositionalEncoding(ninp, dropout, max_len=64)
        self.input_emb = nn.Embedding(ntoken, ninp)
        self.ninp = ninp
        self.decoder = nn.Linear(ninp, ntoken)
        self.init_weights()

    def _generate_square_subsequent_mask(self, sz):
        return torch.log(torch.tril(torch.ones(sz, sz)))

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.input_emb.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, src, has_mask=True):
        if has_mask:
            device = src.device
            if self.src_mask is None or self.src_mask.size(0) != len(src):
                mask = self._generate_square_subsequent_mask(len(src)).to(device)
                self.src_mask = mask
        else:
            self.src_mask = None

        src = self.input_emb(src) * math.sqrt(self.ninp)
        src = self.pos_encoder(src)
        output = self.encoder(src, mask=self.src_mask)
        output = self.decoder(output)
        return F.log_softmax(output, dim=-1)


NTOKENS = 14  # the words of TEXT and <eos>


def build_model():
    return nn.ModuleDict(
        {
            "LSTM": RNNModel("LSTM", NTOKENS, 8, 8, 2, dropout=0.0, tie_weights=True),
            "GRU": RNNModel("GRU", NTOKENS, 6, 8, 1, dropout=0.0),
            "RNN_TANH": RNNModel("RNN_TANH", NTOKENS, 6, 8, 1, dropout=0.0),
            "Transformer": TransformerModel(NTOKENS, 8, 2, 16, 1, dropout=0.0),
        }
    )


def batchify(data, bsz, device):
    # Work out how cleanly we can divide the dataset into bsz parts.
    nbatch = data.size(0) // bsz
    # Trim off any extra elements that wouldn't cleanly fit (remainders).
    data = data.narrow(0, 0, nbatch * bsz)
    # Evenly divide the data across the bsz batches.
    data = data.view(bsz, -1).t().contiguous()
    return data.to(device)


def repackage_hidden(h):
    """Wraps hidden states in new Tensors, to detach them from their history."""
    if isinstance(h, torch.Tensor):
        return h.detach()
    else:
        return tuple(repackage_hidden(v) for v in h)


def run(model, workdir):
    device = torch.device("cpu")
    with open(os.path.join(workdir, "train.txt"), "w", encoding="utf8") as f:
        f.write("\n".join(TEXT[:5]) + "\n")
    with open(os.path.join(workdir, "valid.txt"), "w", encoding="utf8") as f:
        f.write(TEXT[5] + "\n" + TEXT[0] + "\n")
    corpus = Corpus(workdir)
    ntokens = len(corpus.dictionary)
    bptt, batch_size, eval_batch_size, clip = 5, 4, 2, 0.25
    train_data = batchify(corpus.train, batch_size, device)
    val_data = batchify(corpus.valid, eval_batch_size, device)
    criterion = nn.NLLLoss()

    def get_batch(source, i):
        seq_len = min(bptt, len(source) - 1 - i)
        data = source[i : i + seq_len]
        target = source[i + 1 : i + 1 + seq_len].view(-1)
        return data, target

    def evaluate(model, kind, data_source):
        model.eval()
        total_loss = 0.0
        if kind != "Transformer":
            hidden = model.init_hidden(eval_batch_size)
        with torch.no_grad():
            for i in range(0, data_source.size(0) - 1, bptt):
                data, targets = get_batch(data_source, i)
                if kind == "Transformer":
                    output = model(data)
                    output = output.view(-1, ntokens)
                else:
                    output, hidden = model(data, hidden)
                    hidden = repackage_hidden(hidden)
                total_loss += len(data) * criterion(output, targets).item()
        return total_loss / (len(data_source) - 1)

    def train(model, kind, lr, epoch, log):
        model.train()
        total_loss = 0.0
        if kind != "Transformer":
            hidden = model.init_hidden(batch_size)
        for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
            data, targets = get_batch(train_data, i)
            model.zero_grad()
            if kind == "Transformer":
                output = model(data)
                output = output.view(-1, ntokens)
            else:
                hidden = repackage_hidden(hidden)
                output, hidden = model(data, hidden)
            loss = criterion(output, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)
            total_loss += loss.item()
        cur_loss = total_loss / (batch + 1)
        log.append(
            "| epoch {:3d} | {:5d}/{:5d} batches | lr {:02.2f} | loss {:5.2f} | ppl {:8.2f}".format(
                epoch, batch + 1, len(train_data) // bptt, lr, cur_loss, math.exp(cur_loss)
            )
        )

    results = {"ntokens": ntokens, "train_shape": list(train_data.shape), "first": train_data[0].tolist()}
    results["tied"] = model["LSTM"].decoder.weight is model["LSTM"].encoder.weight
    results["transformer_children"] = [name for name, _ in model["Transformer"].named_children()]
    for kind in ["LSTM", "GRU", "RNN_TANH", "Transformer"]:
        net = model[kind].to(device)
        lr, best_val_loss, log = 5.0 if kind != "Transformer" else 1.0, None, []
        path = os.path.join(workdir, f"{kind}.pt")
        for epoch in range(1, 4):
            train(net, kind, lr, epoch, log)
            val_loss = evaluate(net, kind, val_data)
            log.append(
                "| end of epoch {:3d} | valid loss {:5.2f} | valid ppl {:8.2f}".format(
                    epoch, val_loss, math.exp(val_loss)
                )
            )
            if not best_val_loss or val_loss < best_val_loss:
                with open(path, "wb") as f:
                    torch.save(net.state_dict(), f)
                best_val_loss = val_loss
            else:
                lr /= 4.0
        with open(path, "rb") as f:
            net.load_state_dict(torch.load(f))
        # generate.py: greedy words from the best model
        net.eval()
        input = torch.tensor([[corpus.dictionary.word2idx["the"]]], dtype=torch.long)
        words = []
        with torch.no_grad():
            if kind != "Transformer":
                hidden = net.init_hidden(1)
                for i in range(6):
                    output, hidden = net(input, hidden)
                    word_weights = output.squeeze().div(1.0).exp().cpu()
                    word_idx = torch.argmax(word_weights).item()
                    input.fill_(word_idx)
                    words.append(corpus.dictionary.idx2word[word_idx])
            else:
                for i in range(6):
                    output = net(input, False)
                    word_weights = output[-1].squeeze().div(1.0).exp().cpu()
                    word_idx = torch.argmax(word_weights).item()
                    word_tensor = torch.Tensor([[word_idx]]).long()
                    input = torch.cat([input, word_tensor], 0)
                    words.append(corpus.dictionary.idx2word[word_idx])
        results[kind] = {"log": log, "best": best_val_loss, "words": " ".join(words), "lr": lr}
    return results
