"""Character-level RNNs, as PyTorch's two NLP-from-scratch tutorials train them: classifying names by
language with `nn.RNN`, and generating names from a language with a hand-written recurrent cell.

The idioms of `intermediate/char_rnn_classification_tutorial`: `string.ascii_letters + " .,;'"`,
`unicodeToAscii` with `unicodedata.normalize('NFD', s)`, `letterToIndex`, `lineToTensor` as `torch.zeros(len(line),
1, n_letters)` filled by `tensor[li][0][letterToIndex(letter)] = 1`; a `Dataset` holding
`torch.tensor([self.labels_uniq.index(label)], dtype=torch.long)`; `CharRNN` with `nn.RNN(input_size,
hidden_size)`, `rnn_out, hidden = self.rnn(line_tensor)`, `self.h2o(hidden[0])` and `nn.LogSoftmax(dim=1)`;
`label_from_output`'s `top_n, top_i = output.topk(1)`, `label_i = top_i[0].item()`; training by mini-batches
of single examples whose losses are summed (`batch_loss = 0`, `batch_loss += loss`, `batch_loss.backward()`),
`nn.utils.clip_grad_norm_(rnn.parameters(), 3)`, `optim.SGD`, `current_loss / len(batches)`; a confusion
matrix `torch.zeros(len(classes), len(classes))` filled with `confusion[label_i][guess_i] += 1` and row-normalised
with `confusion[i] = confusion[i] / denom`. And of `intermediate/char_rnn_generation_tutorial`: the `RNN` module
with `nn.Linear(n_categories + input_size + hidden_size, hidden_size)`, `torch.cat((category, input, hidden),
1)`, `torch.cat((hidden, output), 1)`, `self.o2o`, `nn.Dropout(0.1)` (here 0), `initHidden()` as `torch.zeros(1,
self.hidden_size)`; `categoryTensor`, `inputTensor`, `targetTensor` (`letter_indexes.append(n_letters - 1)`,
`torch.LongTensor(letter_indexes)`), `target_line_tensor.unsqueeze_(-1)`, `loss = torch.Tensor([0])` then `loss +=
l` in the loop, `rnn.zero_grad()`, `loss.item() / input_line_tensor.size(0)`; and `sample`'s `with
torch.no_grad()`, `topv, topi = output.topk(1)`, `topi = topi[0][0]`, `if topi == n_letters - 1: break`,
`all_letters[topi]` (a string indexed by a 0-d tensor). The generation tutorial's update `p.data.add_(p.grad.data,
alpha=-learning_rate)`; the random choice of examples is a fixed order.
"""

import string
import unicodedata

import torch
import torch.nn as nn
from torch.utils.data import Dataset

TOLERANCE = {"rtol": 2e-3, "atol": 1e-5}
all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters) + 1  # plus EOS marker (the generation tutorial's count)
NAMES = {
    "English": ["Smith", "Jones", "Taylor", "Brown", "Wilson"],
    "French": ["Dupont", "Lefèvre", "Moreau", "Giraud", "Rousseau"],
    "Italian": ["Rossi", "Bianchi", "Romano", "Ricci", "Conti"],
}


def unicodeToAscii(s):
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn" and c in all_letters)


def letterToIndex(letter):
    return all_letters.find(letter)


def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor


class NamesDataset(Dataset):
    def __init__(self, names):
        self.data, self.data_tensors, self.labels, self.labels_tensors = [], [], [], []
        for label, lines in names.items():
            for name in lines:
                self.data.append(unicodeToAscii(name))
                self.data_tensors.append(lineToTensor(unicodeToAscii(name)))
                self.labels.append(label)
        self.labels_uniq = list(set(self.labels))
        self.labels_uniq.sort()
        for idx in range(len(self.labels)):
            temp_tensor = torch.tensor([self.labels_uniq.index(self.labels[idx])], dtype=torch.long)
            self.labels_tensors.append(temp_tensor)

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        return self.labels_tensors[idx], self.data_tensors[idx], self.labels[idx], self.data[idx]


class CharRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(CharRNN, self).__init__()
        self.rnn = nn.RNN(input_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, line_tensor):
        rnn_out, hidden = self.rnn(line_tensor)
        output = self.h2o(hidden[0])
        output = self.softmax(output)
        return output


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size, n_categories):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(n_categories + input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(n_categories + input_size + hidden_size, output_size)
        self.o2o = nn.Linear(hidden_size + output_size, output_size)
        self.dropout = nn.Dropout(0.0)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, category, input, hidden):
        input_combined = torch.cat((category, input, hidden), 1)
        hidden = self.i2h(input_combined)
        output = self.i2o(input_combined)
        output_combined = torch.cat((hidden, output), 1)
        output = self.o2o(output_combined)
        output = self.dropout(output)
        output = self.softmax(output)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


def build_model():
    return nn.ModuleDict(
        {"classifier": CharRNN(n_letters, 16, len(NAMES)), "generator": RNN(n_letters, 24, n_letters, len(NAMES))}
    )


def label_from_output(output, output_labels):
    top_n, top_i = output.topk(1)
    label_i = top_i[0].item()
    return output_labels[label_i], label_i


def train_classifier(rnn, training_data, n_epoch=6, n_batch_size=5, learning_rate=0.2):
    current_loss = 0
    all_losses = []
    rnn.train()
    optimizer = torch.optim.SGD(rnn.parameters(), lr=learning_rate)
    criterion = nn.NLLLoss()
    order = [(i * 7) % len(training_data) for i in range(len(training_data))]  # the tutorial shuffles
    batches = [order[i : i + n_batch_size] for i in range(0, len(order), n_batch_size)]
    for iter in range(1, n_epoch + 1):
        rnn.zero_grad()
        for idx, batch in enumerate(batches):
            batch_loss = 0
            for i in batch:
                (label_tensor, text_tensor, label, text) = training_data[i]
                output = rnn.forward(text_tensor)
                loss = criterion(output, label_tensor)
                batch_loss += loss
            batch_loss.backward()
            nn.utils.clip_grad_norm_(rnn.parameters(), 3)
            optimizer.step()
            optimizer.zero_grad()
            current_loss += batch_loss.item() / len(batch)
        all_losses.append(current_loss / len(batches))
        current_loss = 0
    return all_losses


def evaluate(rnn, testing_data, classes):
    confusion = torch.zeros(len(classes), len(classes))
    rnn.eval()
    with torch.no_grad():
        for i in range(len(testing_data)):
            (label_tensor, text_tensor, label, text) = testing_data[i]
            output = rnn(text_tensor)
            guess, guess_i = label_from_output(output, classes)
            label_i = classes.index(label)
            confusion[label_i][guess_i] += 1
    for i in range(len(classes)):
        denom = confusion[i].sum()
        if denom > 0:
            confusion[i] = confusion[i] / denom
    return confusion


def categoryTensor(category, all_categories):
    li = all_categories.index(category)
    tensor = torch.zeros(1, len(all_categories))
    tensor[0][li] = 1
    return tensor


def inputTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li in range(len(line)):
        letter = line[li]
        tensor[li][0][all_letters.find(letter)] = 1
    return tensor


def targetTensor(line):
    letter_indexes = [all_letters.find(line[li]) for li in range(1, len(line))]
    letter_indexes.append(n_letters - 1)  # EOS
    return torch.LongTensor(letter_indexes)


def train_generator_step(rnn, criterion, category_tensor, input_line_tensor, target_line_tensor, learning_rate):
    target_line_tensor.unsqueeze_(-1)
    hidden = rnn.initHidden()
    rnn.zero_grad()
    loss = torch.Tensor([0])  # you can also just simply use ``loss = 0``
    for i in range(input_line_tensor.size(0)):
        output, hidden = rnn(category_tensor, input_line_tensor[i], hidden)
        l = criterion(output, target_line_tensor[i])  # noqa: E741
        loss += l
    loss.backward()
    for p in rnn.parameters():
        p.data.add_(p.grad.data, alpha=-learning_rate)
    return output, loss.item() / input_line_tensor.size(0)


def sample(rnn, category, all_categories, start_letter="A", max_length=8):
    with torch.no_grad():
        category_tensor = categoryTensor(category, all_categories)
        input = inputTensor(start_letter)
        hidden = rnn.initHidden()
        output_name = start_letter
        for i in range(max_length):
            output, hidden = rnn(category_tensor, input[0], hidden)
            topv, topi = output.topk(1)
            topi = topi[0][0]
            if topi == n_letters - 1:
                break
            else:
                letter = all_letters[topi]
                output_name += letter
            input = inputTensor(letter)
        return output_name


def run(model, workdir):
    alldata = NamesDataset(NAMES)
    classes = alldata.labels_uniq
    losses = train_classifier(model["classifier"], alldata)
    confusion = evaluate(model["classifier"], alldata, classes)

    rnn = model["generator"]
    criterion = nn.NLLLoss()
    all_categories = list(NAMES)
    gen_losses = []
    for it in range(3):
        for category in all_categories:
            for line in NAMES[category]:
                line = unicodeToAscii(line)
                _, loss = train_generator_step(
                    rnn,
                    criterion,
                    categoryTensor(category, all_categories),
                    inputTensor(line),
                    targetTensor(line),
                    0.05,
                )
                gen_losses.append(loss)
    rnn.eval()
    samples = [sample(rnn, category, all_categories, start_letter=s) for category in all_categories for s in "RS"]
    return {
        "n_letters": n_letters,
        "ascii": [alldata.data[6], alldata.data[5]],
        "line_shape": list(lineToTensor("Jones").shape),
        "classes": classes,
        "losses": losses,
        "confusion": confusion.tolist(),
        "gen_losses": gen_losses[::5],
        "samples": samples,
    }
