"""A sequence-to-sequence `nn.Transformer` translator, as PyTorch's official `language_translation` example
trains and decodes it, on a toy language pair with its own tokenizer and vocabulary.

The idioms of `examples/language_translation/`: `PositionalEncoding` (`den = torch.exp(- torch.arange(0,
emb_size, 2) * math.log(10000) / emb_size)`, `torch.arange(0, maxlen).reshape(maxlen, 1)`,
`pos_embedding.unsqueeze(-2)`, `register_buffer`); the `Translator` module around `nn.Transformer(d_model=...,
nhead=..., num_encoder_layers=..., num_decoder_layers=..., dim_feedforward=..., dropout=...)` (sequence
first), called positionally as `self.transformer(src_emb, tgt_emb, src_mask, tgt_mask, None,
src_padding_mask, tgt_padding_mask, memory_key_padding_mask)`, with `encode`/`decode` through
`self.transformer.encoder(pos_enc, src_mask)` and `self.transformer.decoder(pos_enc, memory, tgt_mask)`;
`_init_weights`'s `if p.dim() > 1: nn.init.xavier_uniform_(p)`; `src/data.py`'s `_tensor_transform`
(`torch.cat((torch.tensor([bos]), torch.tensor(token_ids), torch.tensor([eos])))`), `_collate_fn` with
`pad_sequence(src_batch, padding_value=pad)` given to `DataLoader(..., collate_fn=_collate_fn)` over a list
of sentence pairs, `generate_square_subsequent_mask` (`(torch.triu(torch.ones((size, size))) ==
1).transpose(0, 1)`, `mask.float().masked_fill(mask == 0, float('-inf')).masked_fill(mask == 1,
float(0.0))`), `create_mask` (`torch.zeros((n, n)).type(torch.bool)`, `(src == pad_idx).transpose(0, 1)`);
`main.py`'s loop (`tgt[:-1, :]`, `tgt[1:, :]`, `loss_fn(logits.reshape(-1, logits.shape[-1]),
tgt_out.reshape(-1))` with `nn.CrossEntropyLoss(ignore_index=pad)`, `torch.optim.Adam(model.parameters(),
lr=..., betas=(0.9, 0.98), eps=1e-9)`, `losses / len(list(train_dl))`) and `greedy_decode` (`torch.ones(1,
1).fill_(start_symbol).type(torch.long)`, a boolean `tgt_mask` from `.type(torch.bool)`,
`out.transpose(0, 1)`, `model.ff(out[:, -1])`, `_, next_word = torch.max(prob, dim=1)`, `torch.cat([ys,
torch.ones(1, 1).type_as(src.data).fill_(next_word)], dim=0)`). Dropout is 0 so that the runs compare.
"""

import math

import torch
from torch import nn
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader

TOLERANCE = {"rtol": 2e-3, "atol": 1e-5}
DEVICE = torch.device("cpu")
SPECIALS = ["<unk>", "<pad>", "<bos>", "<eos>"]
special_symbols = {s: i for i, s in enumerate(SPECIALS)}
PAIRS = [
    ("ein kleines haus", "a small house"),
    ("ein grosses haus", "a big house"),
    ("das haus ist klein", "the house is small"),
    ("das haus ist gross", "the house is big"),
    ("ein kleiner hund", "a small dog"),
    ("der hund ist gross", "the dog is big"),
    ("ein grosser hund", "a big dog"),
    ("der hund ist klein", "the dog is small"),
]


class PositionalEncoding(nn.Module):
    def __init__(self, emb_size, dropout, maxlen=5000):
        super(PositionalEncoding, self).__init__()
        den = torch.exp(-torch.arange(0, emb_size, 2) * math.log(10000) / emb_size)
        pos = torch.arange(0, maxlen).reshape(maxlen, 1)
        pos_embedding = torch.zeros((maxlen, emb_size))
        pos_embedding[:, 0::2] = torch.sin(pos * den)
        pos_embedding[:, 1::2] = torch.cos(pos * den)
        pos_embedding = pos_embedding.unsqueeze(-2)
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("pos_embedding", pos_embedding)

    def forward(self, token_embedding):
        return self.dropout(token_embedding + self.pos_embedding[: token_embedding.size(0), :])


class Translator(nn.Module):
    def __init__(
        self, num_encoder_layers, num_decoder_layers, embed_size, num_heads, src_vocab_size, tgt_vocab_size,
        dim_feedforward, dropout,
    ):  # fmt: skip
        super(Translator, self).__init__()
        self.src_embedding = nn.Embedding(src_vocab_size, embed_size)
        self.tgt_embedding = nn.Embedding(tgt_vocab_size, embed_size)
        self.pos_enc = PositionalEncoding(embed_size, dropout, maxlen=32)
        self.transformer = nn.Transformer(
            d_model=embed_size,
            nhead=num_heads,
            num_encoder_layers=num_encoder_layers,
            num_decoder_layers=num_decoder_layers,
            dim_feedforward=dim_feedforward,
            dropout=dropout,
        )
        self.ff = nn.Linear(embed_size, tgt_vocab_size)
        self._init_weights()

    def _init_weights(self):
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def forward(self, src, trg, src_mask, tgt_mask, src_padding_mask, tgt_padding_mask, memory_key_padding_mask):
        src_emb = self.pos_enc(self.src_embedding(src))
        tgt_emb = self.pos_enc(self.tgt_embedding(trg))
        outs = self.transformer(
            src_emb, tgt_emb, src_mask, tgt_mask, None, src_padding_mask, tgt_padding_mask, memory_key_padding_mask
        )
        return self.ff(outs)

    def encode(self, src, src_mask):
        embed = self.src_embedding(src)
        pos_enc = self.pos_enc(embed)
        return self.transformer.encoder(pos_enc, src_mask)

    def decode(self, tgt, memory, tgt_mask):
        embed = self.tgt_embedding(tgt)
        pos_enc = self.pos_enc(embed)
        return self.transformer.decoder(pos_enc, memory, tgt_mask)


def build_vocab(sentences):
    itos = list(SPECIALS)
    for sentence in sentences:
        for token in sentence.split():
            if token not in itos:
                itos.append(token)
    return {s: i for i, s in enumerate(itos)}, itos


SRC_STOI, SRC_ITOS = build_vocab(src for src, _ in PAIRS)
TGT_STOI, TGT_ITOS = build_vocab(tgt for _, tgt in PAIRS)


def build_model():
    return Translator(1, 1, 16, 2, len(SRC_ITOS), len(TGT_ITOS), 32, 0.0)


def _seq_transform(*transforms):
    def func(txt_input):
        for transform in transforms:
            txt_input = transform(txt_input)
        return txt_input

    return func


def _tensor_transform(token_ids):
    return torch.cat(
        (torch.tensor([special_symbols["<bos>"]]), torch.tensor(token_ids), torch.tensor([special_symbols["<eos>"]]))
    )


src_lang_transform = _seq_transform(str.split, lambda toks: [SRC_STOI[t] for t in toks], _tensor_transform)
tgt_lang_transform = _seq_transform(str.split, lambda toks: [TGT_STOI[t] for t in toks], _tensor_transform)


def _collate_fn(batch):
    src_batch, tgt_batch = [], []
    for src_sample, tgt_sample in batch:
        src_batch.append(src_lang_transform(src_sample.rstrip("\n")))
        tgt_batch.append(tgt_lang_transform(tgt_sample.rstrip("\n")))

    src_batch = pad_sequence(src_batch, padding_value=special_symbols["<pad>"])
    tgt_batch = pad_sequence(tgt_batch, padding_value=special_symbols["<pad>"])
    return src_batch, tgt_batch


def generate_square_subsequent_mask(size, device):
    mask = (torch.triu(torch.ones((size, size), device=device)) == 1).transpose(0, 1)
    mask = mask.float().masked_fill(mask == 0, float("-inf")).masked_fill(mask == 1, float(0.0))
    return mask


def create_mask(src, tgt, pad_idx, device):
    src_seq_len = src.shape[0]
    tgt_seq_len = tgt.shape[0]

    tgt_mask = generate_square_subsequent_mask(tgt_seq_len, device)
    src_mask = torch.zeros((src_seq_len, src_seq_len), device=device).type(torch.bool)

    src_padding_mask = (src == pad_idx).transpose(0, 1)
    tgt_padding_mask = (tgt == pad_idx).transpose(0, 1)
    return src_mask, tgt_mask, src_padding_mask, tgt_padding_mask


def greedy_decode(model, src, src_mask, max_len, start_symbol, end_symbol):
    src = src.to(DEVICE)
    src_mask = src_mask.to(DEVICE)
    memory = model.encode(src, src_mask)
    ys = torch.ones(1, 1).fill_(start_symbol).type(torch.long).to(DEVICE)
    for _ in range(max_len - 1):
        memory = memory.to(DEVICE)
        tgt_mask = (generate_square_subsequent_mask(ys.size(0), DEVICE).type(torch.bool)).to(DEVICE)
        out = model.decode(ys, memory, tgt_mask)
        out = out.transpose(0, 1)
        prob = model.ff(out[:, -1])
        _, next_word = torch.max(prob, dim=1)
        next_word = next_word.item()
        ys = torch.cat([ys, torch.ones(1, 1).type_as(src.data).fill_(next_word)], dim=0)
        if next_word == end_symbol:
            break
    return ys


def train(model, train_dl, loss_fn, optim):
    losses = 0
    model.train()
    for src, tgt in train_dl:
        src = src.to(DEVICE)
        tgt = tgt.to(DEVICE)
        tgt_input = tgt[:-1, :]
        src_mask, tgt_mask, src_padding_mask, tgt_padding_mask = create_mask(
            src, tgt_input, special_symbols["<pad>"], DEVICE
        )
        logits = model(src, tgt_input, src_mask, tgt_mask, src_padding_mask, tgt_padding_mask, src_padding_mask)
        optim.zero_grad()
        tgt_out = tgt[1:, :]
        loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
        loss.backward()
        optim.step()
        losses += loss.item()
    return losses / len(list(train_dl))


def validate(model, valid_dl, loss_fn):
    losses = 0
    model.eval()
    for src, tgt in valid_dl:
        tgt_input = tgt[:-1, :]
        src_mask, tgt_mask, src_padding_mask, tgt_padding_mask = create_mask(
            src, tgt_input, special_symbols["<pad>"], DEVICE
        )
        logits = model(src, tgt_input, src_mask, tgt_mask, src_padding_mask, tgt_padding_mask, src_padding_mask)
        tgt_out = tgt[1:, :]
        loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
        losses += loss.item()
    return losses / len(list(valid_dl))


def run(model, workdir):
    model = model.to(DEVICE)
    train_dl = DataLoader(PAIRS[:6], batch_size=3, collate_fn=_collate_fn)
    valid_dl = DataLoader(PAIRS[6:], batch_size=2, collate_fn=_collate_fn)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=special_symbols["<pad>"])
    optim = torch.optim.Adam(model.parameters(), lr=0.003, betas=(0.9, 0.98), eps=1e-9)
    first_src, first_tgt = next(iter(train_dl))
    history = []
    for epoch in range(1, 13):
        train_loss = train(model, train_dl, loss_fn, optim)
        val_loss = validate(model, valid_dl, loss_fn)
        history.append(f"Epoch: {epoch}, Train loss: {train_loss:.3f}, Val loss: {val_loss:.3f}")

    model.eval()
    translations = []
    with torch.no_grad():
        for sentence, _ in PAIRS[:3] + PAIRS[6:]:
            src = src_lang_transform(sentence).view(-1, 1)
            num_tokens = src.shape[0]
            src_mask = (torch.zeros(num_tokens, num_tokens)).type(torch.bool)
            tgt_tokens = greedy_decode(
                model, src, src_mask, max_len=num_tokens + 5,
                start_symbol=special_symbols["<bos>"], end_symbol=special_symbols["<eos>"],
            ).flatten()  # fmt: skip
            words = [TGT_ITOS[int(i)] for i in tgt_tokens.cpu().numpy()]
            translations.append(" ".join(words).replace("<bos>", "").replace("<eos>", "").strip())
    return {
        "batch": [list(first_src.shape), first_src[:, 0].tolist(), first_tgt[:, 2].tolist()],
        "mask": generate_square_subsequent_mask(3, DEVICE).tolist(),
        "history": history,
        "translations": translations,
        "is_long": tgt_tokens.dtype == torch.long,
    }
