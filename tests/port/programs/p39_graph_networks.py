"""Graph convolutional and graph attention networks, as PyTorch's official `gcn` and `gat` examples train
them for node classification with train and validation masks.

The idioms of `examples/gcn/main.py`: `GraphConv` with `self.kernel = nn.Parameter(torch.Tensor(input_dim,
output_dim))` (an uninitialised tensor) filled by `nn.init.xavier_normal_`, `self.bias = None` unless
`use_bias`, `torch.mm(input_tensor, self.kernel)`; `load_cora`'s `torch.FloatTensor(array.astype(np.int32))`,
`scale_vector = 1 / scale_vector` then `scale_vector[scale_vector == float('inf')] = 0`,
`torch.diag(scale_vector) @ features`, `np.unique(..., return_inverse=True)` into `torch.LongTensor(labels)`,
`torch.eye(V) + adj_mat`, `torch.sqrt(1 / degree_mat)` and the renormalisation `degree_mat @ adj_mat @
degree_mat`; `model(*input)`, `criterion(output[mask_train], target[mask_train])`, the accuracy
`(output.argmax(dim=1) == target).float().sum() / len(target)`, the log line
`f'Epoch: {epoch:04d} loss_train: {loss_train:.4f} acc_train: {acc_train:.4f}'`; and of
`examples/gat/main.py`: `nn.Parameter(torch.empty(size=(n_heads, 2 * self.n_hidden, 1)))`, `torch.matmul`
with `self.a[:, :self.n_hidden, :]`, `e = source_scores + target_scores.mT`, `nn.LeakyReLU(0.2)`,
`-9e16 * torch.ones_like(e)` and `torch.where(adj_mat > 0, e, connectivity_mask)`, `F.dropout(...,
training=self.training)`, `h.view(n_nodes, self.n_heads, self.n_hidden).permute(1, 0, 2)`, heads
concatenated by `.permute(1, 0, 2).contiguous().view(n_nodes, self.out_features)` or averaged by
`h_prime.mean(dim=0)`, `F.elu`, `torch.optim.Adam(..., weight_decay=5e-4)`, `nn.NLLLoss()`. The graph
is synthetic and its adjacency dense: the examples' `to_sparse()` and `torch.sparse_coo_tensor` (sparse
tensors) are not in deltanet, so the adjacency is built by indexing and products use `@`.
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.optim import Adam

TOLERANCE = {"rtol": 2e-3, "atol": 1e-5}


class GraphConv(nn.Module):
    def __init__(self, input_dim, output_dim, use_bias=False):
        super(GraphConv, self).__init__()
        self.kernel = nn.Parameter(torch.Tensor(input_dim, output_dim))
        nn.init.xavier_normal_(self.kernel)
        self.bias = None
        if use_bias:
            self.bias = nn.Parameter(torch.Tensor(output_dim))
            nn.init.zeros_(self.bias)

    def forward(self, input_tensor, adj_mat):
        support = torch.mm(input_tensor, self.kernel)
        output = adj_mat @ support
        if self.bias is not None:
            output = output + self.bias
        return output


class GCN(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim, use_bias=True, dropout_p=0.1):
        super(GCN, self).__init__()
        self.gc1 = GraphConv(input_dim, hidden_dim, use_bias=use_bias)
        self.gc2 = GraphConv(hidden_dim, output_dim, use_bias=use_bias)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, input_tensor, adj_mat):
        x = self.gc1(input_tensor, adj_mat)
        x = F.relu(x)
        x = self.dropout(x)
        x = self.gc2(x, adj_mat)
        return F.log_softmax(x, dim=1)


class GraphAttentionLayer(nn.Module):
    def __init__(self, in_features, out_features, n_heads, concat=False, dropout=0.4, leaky_relu_slope=0.2):
        super(GraphAttentionLayer, self).__init__()
        self.n_heads = n_heads
        self.concat = concat
        self.dropout = dropout
        if concat:
            self.out_features = out_features
            assert out_features % n_heads == 0
            self.n_hidden = out_features // n_heads
        else:
            self.n_hidden = out_features
        self.W = nn.Parameter(torch.empty(size=(in_features, self.n_hidden * n_heads)))
        self.a = nn.Parameter(torch.empty(size=(n_heads, 2 * self.n_hidden, 1)))
        self.leakyrelu = nn.LeakyReLU(leaky_relu_slope)
        self.softmax = nn.Softmax(dim=1)
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.xavier_normal_(self.W)
        nn.init.xavier_normal_(self.a)

    def _get_attention_scores(self, h_transformed):
        source_scores = torch.matmul(h_transformed, self.a[:, : self.n_hidden, :])
        target_scores = torch.matmul(h_transformed, self.a[:, self.n_hidden :, :])
        e = source_scores + target_scores.mT
        return self.leakyrelu(e)

    def forward(self, h, adj_mat):
        n_nodes = h.shape[0]
        h_transformed = torch.mm(h, self.W)
        h_transformed = F.dropout(h_transformed, self.dropout, training=self.training)
        h_transformed = h_transformed.view(n_nodes, self.n_heads, self.n_hidden).permute(1, 0, 2)
        e = self._get_attention_scores(h_transformed)
        connectivity_mask = -9e16 * torch.ones_like(e)
        e = torch.where(adj_mat > 0, e, connectivity_mask)
        attention = F.softmax(e, dim=-1)
        attention = F.dropout(attention, self.dropout, training=self.training)
        h_prime = torch.matmul(attention, h_transformed)
        if self.concat:
            h_prime = h_prime.permute(1, 0, 2).contiguous().view(n_nodes, self.out_features)
        else:
            h_prime = h_prime.mean(dim=0)
        return h_prime


class GAT(nn.Module):
    def __init__(self, in_features, n_hidden, n_heads, num_classes, concat=False, dropout=0.4, leaky_relu_slope=0.2):
        super(GAT, self).__init__()
        self.gat1 = GraphAttentionLayer(
            in_features=in_features,
            out_features=n_hidden,
            n_heads=n_heads,
            concat=concat,
            dropout=dropout,
            leaky_relu_slope=leaky_relu_slope,
        )
        self.gat2 = GraphAttentionLayer(
            in_features=n_hidden,
            out_features=num_classes,
            n_heads=1,
            concat=False,
            dropout=dropout,
            leaky_relu_slope=leaky_relu_slope,
        )

    def forward(self, input_tensor, adj_mat):
        x = self.gat1(input_tensor, adj_mat)
        x = F.elu(x)
        x = self.gat2(x, adj_mat)
        return F.log_softmax(x, dim=1)


N_FEATURES, N_CLASSES = 20, 3


def build_model():
    return nn.ModuleDict(
        {
            "gcn": GCN(N_FEATURES, 16, N_CLASSES, dropout_p=0.0),
            "gat_concat": GAT(N_FEATURES, 8, 4, N_CLASSES, concat=True, dropout=0.0),
            "gat_mean": GAT(N_FEATURES, 6, 2, N_CLASSES, concat=False, dropout=0.0),
        }
    )


def make_graph(rng):
    """A planted-partition graph whose word counts depend on the class (Cora in miniature)."""
    V = 45
    cls = np.repeat(np.arange(N_CLASSES), V // N_CLASSES)
    counts = rng.poisson(0.3, size=(V, N_FEATURES))
    counts[np.arange(V), cls * 5 + rng.integers(0, 5, size=V)] += 2
    counts[3] = 0  # a node without words: 1 / 0 gives inf, set to 0
    content = np.concatenate(
        [np.arange(1000, 1000 + V)[:, None], counts, np.array(["c%d" % c for c in cls])[:, None]], 1
    )
    same = cls[:, None] == cls[None, :]
    p = np.where(same, 0.25, 0.02)
    upper = np.triu(rng.uniform(size=(V, V)) < p, 1)
    edges = np.argwhere(upper | upper.T).astype(np.int32)
    return content, edges


def load_graph(content_tensor, edges):
    features = torch.FloatTensor(content_tensor[:, 1:-1].astype(np.int32))
    scale_vector = torch.sum(features, dim=1)
    scale_vector = 1 / scale_vector
    scale_vector[scale_vector == float("inf")] = 0
    scale_vector = torch.diag(scale_vector)
    features = scale_vector @ features
    classes, labels = np.unique(content_tensor[:, -1], return_inverse=True)
    labels = torch.LongTensor(labels)
    V = len(content_tensor)
    adj_mat = torch.zeros(V, V)
    adj_mat[torch.from_numpy(edges[:, 0]).long(), torch.from_numpy(edges[:, 1]).long()] = 1
    adj_mat = torch.eye(V) + adj_mat
    degree_mat = torch.sum(adj_mat, dim=1)
    degree_mat = torch.sqrt(1 / degree_mat)
    degree_mat[degree_mat == float("inf")] = 0
    degree_mat = torch.diag(degree_mat)
    norm_adj = degree_mat @ adj_mat @ degree_mat
    return features, labels, adj_mat, norm_adj, list(classes)


def test(model, criterion, input, target, mask):
    model.eval()
    with torch.no_grad():
        output = model(*input)
        output, target = output[mask], target[mask]
        loss = criterion(output, target)
        acc = (output.argmax(dim=1) == target).float().sum() / len(target)
    return loss.item(), acc.item()


def run(model, workdir):
    rng = np.random.default_rng(39)
    content, edges = make_graph(rng)
    features, labels, adj_mat, norm_adj, classes = load_graph(content, edges)
    V = features.size(0)
    idx = torch.from_numpy(rng.permutation(V))
    mask_train = torch.zeros(V, dtype=torch.bool)
    mask_train[idx[:15]] = True
    mask_val = ~mask_train

    results = {"classes": classes, "zero_row": features[3].sum().item(), "norm_adj": norm_adj.sum().item()}
    for name, adjacency in [("gcn", norm_adj), ("gat_concat", adj_mat), ("gat_mean", adj_mat)]:
        net = model[name]
        optimizer = Adam(net.parameters(), lr=0.01, weight_decay=5e-4)
        criterion = nn.NLLLoss()
        input = (features, adjacency)
        log = []
        for epoch in range(1, 21):
            net.train()
            optimizer.zero_grad()
            output = net(*input)
            loss = criterion(output[mask_train], labels[mask_train])
            loss.backward()
            optimizer.step()
            loss_train, acc_train = test(net, criterion, input, labels, mask_train)
            loss_val, acc_val = test(net, criterion, input, labels, mask_val)
            if epoch % 5 == 0:
                log.append(
                    f"Epoch: {epoch:04d} loss_train: {loss_train:.4f} acc_train: {acc_train:.4f} "
                    f"loss_val: {loss_val:.4f} acc_val: {acc_val:.4f}"
                )
        results[name] = log
    return results
