"""Translation with a sequence-to-sequence network and Bahdanau attention, as PyTorch's NLP-from-scratch
tutorial trains it, on a toy language pair.

The idioms of `intermediate/seq2seq_translation_tutorial`: the `Lang` class (`word2index`,
`word2count`, `index2word = {0: "SOS", 1: "EOS"}`, `addSentence`), `normalizeString` with
`unicodedata.normalize('NFD', s)` and `re.sub(r"([.!?])", r" \\1", s)`; `get_dataloader`'s
`np.zeros((n, MAX_LENGTH), dtype=np.int32)` filled with the indexes and `EOS_token`, then
`TensorDataset(torch.LongTensor(input_ids).to(device), torch.LongTensor(target_ids).to(device))`
and `DataLoader(train_data, sampler=train_sampler, batch_size=batch_size)` (a `SequentialSampler`
here: the tutorial's `RandomSampler` draws from each library's own generator); `EncoderRNN`
(`nn.Embedding`, `nn.GRU(hidden_size, hidden_size, batch_first=True)`, `self.dropout(self.embedding(input))`);
`BahdanauAttention` (`self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))`,
`scores.squeeze(2).unsqueeze(1)`, `F.softmax(scores, dim=-1)`, `torch.bmm(weights, keys)`);
`AttnDecoderRNN` (`torch.empty(batch_size, 1, dtype=torch.long, device=device).fill_(SOS_token)`,
teacher forcing with `target_tensor[:, i].unsqueeze(1)`, greedy decoding with `topv, topi =
decoder_output.topk(1)` and `topi.squeeze(-1).detach()`, `hidden.permute(1, 0, 2)`, `torch.cat((embedded,
context), dim=2)`, `torch.cat(decoder_outputs, dim=1)`, `F.log_softmax(decoder_outputs, dim=-1)`,
`torch.cat(attentions, dim=1)`); `train_epoch`'s `criterion(decoder_outputs.view(-1,
decoder_outputs.size(-1)), target_tensor.view(-1))` with `nn.NLLLoss()`, two `optim.Adam` optimizers;
and `evaluate`'s `decoded_ids = topi.squeeze()`, `idx.item() == EOS_token`, `output_lang.index2word[idx.item()]`.
Dropout is 0 so that the runs compare.
"""

import re
import unicodedata

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim
from torch.utils.data import DataLoader, SequentialSampler, TensorDataset

TOLERANCE = {"rtol": 2e-3, "atol": 1e-5}
device = torch.device("cpu")
SOS_token = 0
EOS_token = 1
MAX_LENGTH = 6
PAIRS = [
    ("Je suis grand.", "i am tall ."),
    ("Je suis petit.", "i am small ."),
    ("Il est grand!", "he is tall !"),
    ("Il est petit.", "he is small ."),
    ("Elle est là.", "she is here ."),
    ("Nous sommes là.", "we are here ."),
    ("Tu es grand?", "you are tall ?"),
    ("Elle est petite.", "she is small ."),
]


class Lang:
    def __init__(self, name):
        self.name = name
        self.word2index = {}
        self.word2count = {}
        self.index2word = {0: "SOS", 1: "EOS"}
        self.n_words = 2  # Count SOS and EOS

    def addSentence(self, sentence):
        for word in sentence.split(" "):
            self.addWord(word)

    def addWord(self, word):
        if word not in self.word2index:
            self.word2index[word] = self.n_words
            self.word2count[word] = 1
            self.index2word[self.n_words] = word
            self.n_words += 1
        else:
            self.word2count[word] += 1


def unicodeToAscii(s):
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


def normalizeString(s):
    s = unicodeToAscii(s.lower().strip())
    s = re.sub(r"([.!?])", r" \1", s)
    s = re.sub(r"[^a-zA-Z!?]+", r" ", s)
    return s.strip()


class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size, dropout_p=0.1):
        super(EncoderRNN, self).__init__()
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, input):
        embedded = self.dropout(self.embedding(input))
        output, hidden = self.gru(embedded)
        return output, hidden


class BahdanauAttention(nn.Module):
    def __init__(self, hidden_size):
        super(BahdanauAttention, self).__init__()
        self.Wa = nn.Linear(hidden_size, hidden_size)
        self.Ua = nn.Linear(hidden_size, hidden_size)
        self.Va = nn.Linear(hidden_size, 1)

    def forward(self, query, keys):
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
        scores = scores.squeeze(2).unsqueeze(1)

        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)

        return context, weights


class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size, dropout_p=0.1):
        super(AttnDecoderRNN, self).__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.attention = BahdanauAttention(hidden_size)
        self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
        batch_size = encoder_outputs.size(0)
        decoder_input = torch.empty(batch_size, 1, dtype=torch.long, device=device).fill_(SOS_token)
        decoder_hidden = encoder_hidden
        decoder_outputs = []
        attentions = []

        for i in range(MAX_LENGTH):
            decoder_output, decoder_hidden, attn_weights = self.forward_step(
                decoder_input, decoder_hidden, encoder_outputs
            )
            decoder_outputs.append(decoder_output)
            attentions.append(attn_weights)

            if target_tensor is not None:
                # Teacher forcing: Feed the target as the next input
                decoder_input = target_tensor[:, i].unsqueeze(1)  # Teacher forcing
            else:
                # Without teacher forcing: use its own predictions as the next input
                _, topi = decoder_output.topk(1)
                decoder_input = topi.squeeze(-1).detach()  # detach from history as input

        decoder_outputs = torch.cat(decoder_outputs, dim=1)
        decoder_outputs = F.log_softmax(decoder_outputs, dim=-1)
        attentions = torch.cat(attentions, dim=1)

        return decoder_outputs, decoder_hidden, attentions

    def forward_step(self, input, hidden, encoder_outputs):
        embedded = self.dropout(self.embedding(input))

        query = hidden.permute(1, 0, 2)
        context, attn_weights = self.attention(query, encoder_outputs)
        input_gru = torch.cat((embedded, context), dim=2)

        output, hidden = self.gru(input_gru, hidden)
        output = self.out(output)

        return output, hidden, attn_weights


def prepare_data():
    input_lang, output_lang = Lang("fra"), Lang("eng")
    pairs = [[normalizeString(s) for s in (fr, en)] for fr, en in PAIRS]
    for pair in pairs:
        input_lang.addSentence(pair[0])
        output_lang.addSentence(pair[1])
    return input_lang, output_lang, pairs


def build_model():
    input_lang, output_lang, _ = prepare_data()
    hidden_size = 12
    encoder = EncoderRNN(input_lang.n_words, hidden_size, dropout_p=0.0).to(device)
    decoder = AttnDecoderRNN(hidden_size, output_lang.n_words, dropout_p=0.0).to(device)
    return nn.ModuleDict({"encoder": encoder, "decoder": decoder})


def indexesFromSentence(lang, sentence):
    return [lang.word2index[word] for word in sentence.split(" ")]


def tensorFromSentence(lang, sentence):
    indexes = indexesFromSentence(lang, sentence)
    indexes.append(EOS_token)
    return torch.tensor(indexes, dtype=torch.long, device=device).view(1, -1)


def get_dataloader(batch_size):
    input_lang, output_lang, pairs = prepare_data()
    n = len(pairs)
    input_ids = np.zeros((n, MAX_LENGTH), dtype=np.int32)
    target_ids = np.zeros((n, MAX_LENGTH), dtype=np.int32)

    for idx, (inp, tgt) in enumerate(pairs):
        inp_ids = indexesFromSentence(input_lang, inp)
        tgt_ids = indexesFromSentence(output_lang, tgt)
        inp_ids.append(EOS_token)
        tgt_ids.append(EOS_token)
        input_ids[idx, : len(inp_ids)] = inp_ids
        target_ids[idx, : len(tgt_ids)] = tgt_ids

    train_data = TensorDataset(torch.LongTensor(input_ids).to(device), torch.LongTensor(target_ids).to(device))
    train_sampler = SequentialSampler(train_data)
    train_dataloader = DataLoader(train_data, sampler=train_sampler, batch_size=batch_size)
    return input_lang, output_lang, train_dataloader


def train_epoch(dataloader, encoder, decoder, encoder_optimizer, decoder_optimizer, criterion):
    total_loss = 0
    for data in dataloader:
        input_tensor, target_tensor = data

        encoder_optimizer.zero_grad()
        decoder_optimizer.zero_grad()

        encoder_outputs, encoder_hidden = encoder(input_tensor)
        decoder_outputs, _, _ = decoder(encoder_outputs, encoder_hidden, target_tensor)

        loss = criterion(decoder_outputs.view(-1, decoder_outputs.size(-1)), target_tensor.view(-1))
        loss.backward()

        encoder_optimizer.step()
        decoder_optimizer.step()

        total_loss += loss.item()

    return total_loss / len(dataloader)


def evaluate(encoder, decoder, sentence, input_lang, output_lang):
    with torch.no_grad():
        input_tensor = tensorFromSentence(input_lang, sentence)

        encoder_outputs, encoder_hidden = encoder(input_tensor)
        decoder_outputs, decoder_hidden, decoder_attn = decoder(encoder_outputs, encoder_hidden)

        _, topi = decoder_outputs.topk(1)
        decoded_ids = topi.squeeze()

        decoded_words = []
        for idx in decoded_ids:
            if idx.item() == EOS_token:
                decoded_words.append("<EOS>")
                break
            decoded_words.append(output_lang.index2word[idx.item()])
    return decoded_words, decoder_attn


def run(model, workdir):
    encoder, decoder = model["encoder"], model["decoder"]
    input_lang, output_lang, train_dataloader = get_dataloader(batch_size=4)
    encoder_optimizer = optim.Adam(encoder.parameters(), lr=0.02)
    decoder_optimizer = optim.Adam(decoder.parameters(), lr=0.02)
    criterion = nn.NLLLoss()
    losses = []
    for epoch in range(1, 9):
        losses.append(train_epoch(train_dataloader, encoder, decoder, encoder_optimizer, decoder_optimizer, criterion))

    encoder.eval()
    decoder.eval()
    _, _, pairs = prepare_data()
    translations, attention = [], None
    for pair in pairs[:4]:
        output_words, attentions = evaluate(encoder, decoder, pair[0], input_lang, output_lang)
        translations.append(" ".join(output_words))
        if attention is None:
            attention = attentions[0, :3].tolist()
    return {
        "normalized": [p[0] for p in pairs],
        "n_words": [input_lang.n_words, output_lang.n_words],
        "losses": losses[::2],
        "translations": translations,
        "attention": attention,
    }
