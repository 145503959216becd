"""A tiny vision transformer, multi-head attention used directly, and minGPT's causal self-attention.

The idioms of ViT code (lucidrains' `vit-pytorch`, timm's `VisionTransformer`, MONAI's `ViT`
and `UNETR` encoders): a patch embedding by a strided `nn.Conv2d(C, dim, kernel_size=p,
stride=p)` then `.flatten(2).transpose(1, 2)`, a class token `nn.Parameter(torch.zeros(1, 1,
dim))` and a position embedding `nn.Parameter(torch.randn(1, n + 1, dim) * .02)`,
`cls_token.expand(B, -1, -1)` and `torch.cat((cls, x), dim=1)`, `nn.TransformerEncoder` of
`nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout=0.0, batch_first=True)`
with a final `nn.LayerNorm`, the head on `x[:, 0]`, and `torch.optim.AdamW` with two parameter
groups (no weight decay on biases, norms and embeddings, as timm's `param_groups_weight_decay`);
of the PyTorch tutorials' `nn.MultiheadAttention(embed_dim, num_heads, batch_first=True)` with
`key_padding_mask`, boolean and float `attn_mask`, `need_weights=True` and
`average_attn_weights=False`, and `nn.Transformer.generate_square_subsequent_mask(T)` passed with
`is_causal=True`; of a pre-norm GELU encoder (`norm_first=True, activation="gelu"`) evaluated under
`model.eval()` and `torch.no_grad()` with a padding mask (PyTorch's nested-tensor path, which
zeroes padded positions); and of Karpathy's minGPT `CausalSelfAttention`: `c_attn` giving q, k, v
by `.split(n_embd, dim=2)`, `.view(B, T, nh, hs).transpose(1, 2)`, a `register_buffer("bias",
torch.tril(torch.ones(T, T)).view(1, 1, T, T))`, `att.masked_fill(self.bias[:, :, :T, :T] == 0,
float("-inf"))`, `F.softmax(att, dim=-1)`, `y.transpose(1, 2).contiguous().view(B, T, C)`,
compared with `F.scaled_dot_product_attention(q, k, v, is_causal=True)` (nanoGPT's flash path),
which also gets a boolean and a float `attn_mask`.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

TOLERANCE = {"rtol": 2e-4, "atol": 2e-5}


class PatchEmbedding(nn.Module):
    def __init__(self, in_chans=1, patch=4, dim=16):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, dim, kernel_size=patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)  # (B, N, dim)


class ViT(nn.Module):
    def __init__(self, image=16, patch=4, dim=16, depth=2, heads=2, mlp=32, classes=3):
        super().__init__()
        self.patch_embed = PatchEmbedding(1, patch, dim)
        n = (image // patch) ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.randn(1, n + 1, dim) * 0.02)
        layer = nn.TransformerEncoderLayer(dim, heads, mlp, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=depth, norm=nn.LayerNorm(dim))
        self.head = nn.Linear(dim, classes)

    def forward(self, x, mask=None, is_causal=None):
        x = self.patch_embed(x)
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        x = torch.cat((cls, x), dim=1) + self.pos_embed
        x = self.encoder(x, mask=mask, is_causal=is_causal)
        return self.head(x[:, 0])


class CausalSelfAttention(nn.Module):
    """minGPT's attention, written by hand."""

    def __init__(self, n_embd=8, n_head=2, block_size=5):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.register_buffer("bias", torch.tril(torch.ones(block_size, block_size)).view(1, 1, block_size, block_size))
        self.n_head, self.n_embd = n_head, n_embd

    def qkv(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        return q, k, v

    def forward(self, x, flash=False):
        B, T, C = x.size()
        q, k, v = self.qkv(x)
        if flash:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


def build_model():
    return nn.ModuleDict(
        {
            "vit": ViT(),
            "attn": nn.MultiheadAttention(8, 2, batch_first=True),
            "gpt": CausalSelfAttention(),
            "prenorm": nn.TransformerEncoder(
                nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation="gelu", batch_first=True, norm_first=True),
                num_layers=1,
                enable_nested_tensor=False,
            ),
            "postnorm": nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True), 1),
        }
    )


def train_vit(vit, rng):
    images = rng.normal(size=(12, 1, 16, 16)).astype(np.float32)
    labels = np.arange(12) % 3
    images[labels == 1, :, :8] += 1.0  # a bright top half means class 1
    images[labels == 2, :, :, :8] -= 1.0  # a dark left half means class 2
    x, y = torch.from_numpy(images), torch.from_numpy(labels)
    decay = [p for n, p in vit.named_parameters() if p.ndim >= 2 and "pos_embed" not in n and "cls_token" not in n]
    no_decay = [p for n, p in vit.named_parameters() if p.ndim < 2 or "pos_embed" in n or "cls_token" in n]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}], lr=3e-3
    )
    losses = []
    for _ in range(5):
        loss = F.cross_entropy(vit(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    vit.eval()
    with torch.no_grad():
        logits = vit(x)
        mask = nn.Transformer.generate_square_subsequent_mask(17)
        causal_logits = vit(x[:2], mask=mask, is_causal=True)
    return {
        "losses": losses,
        "accuracy": (logits.argmax(1) == y).float().mean().item(),
        "logits": logits[:3].tolist(),
        "causal_logits": causal_logits.tolist(),
        "n_params": sum(p.numel() for p in vit.parameters()),
        "n_decay": [len(decay), len(no_decay)],
        "keys": list(vit.encoder.layers[0].state_dict().keys()),
        "in_proj": list(vit.encoder.layers[1].self_attn.in_proj_weight.shape),
    }


def attention_directly(mha, rng):
    x = torch.from_numpy(rng.normal(size=(2, 5, 8)).astype(np.float32))
    memory = torch.from_numpy(rng.normal(size=(2, 6, 8)).astype(np.float32))
    x.requires_grad_(True)
    padding = torch.tensor([[False] * 6, [False] * 4 + [True] * 2])
    out, weights = mha(x, memory, memory, key_padding_mask=padding)
    banned = torch.from_numpy(rng.random((5, 6)) > 0.7)
    banned[:, 0] = False  # every query keeps one key
    out_bool, w_heads = mha(x, memory, memory, attn_mask=banned, average_attn_weights=False)
    bias = torch.from_numpy(rng.normal(size=(2 * 2, 5, 6)).astype(np.float32))
    out_float, _ = mha(x, memory, memory, attn_mask=bias, need_weights=False)
    causal = torch.triu(torch.ones(5, 5, dtype=torch.bool), diagonal=1)
    self_out, self_w = mha(x, x, x, attn_mask=causal)
    (out.sum() + out_bool.pow(2).sum() + out_float.mean() + self_out.abs().sum()).backward()
    all_masked = torch.ones(2, 6, dtype=torch.bool)
    _, nan_weights = mha(x, memory, memory, key_padding_mask=all_masked)
    return {
        "out": out[1, :2].tolist(),
        "weights_shape": list(weights.shape),
        "padded_weight": weights[1, :, 4:].abs().sum().item(),
        "row_sums": weights.sum(-1)[0].tolist(),
        "heads_shape": list(w_heads.shape),
        "banned_weight": w_heads.masked_select(banned.expand(2, 2, 5, 6)).abs().sum().item(),
        "out_bool": out_bool[0, 0].tolist(),
        "out_float": out_float[1, 4].tolist(),
        "causal_upper": self_w.triu(diagonal=1).abs().sum().item(),
        "self_w": self_w[0, 2].tolist(),
        "grad_x": x.grad[0].tolist(),
        "grad_in_proj": mha.in_proj_weight.grad.abs().sum().item(),
        "grad_out_proj": mha.out_proj.bias.grad.tolist(),
        "all_masked_is_nan": bool(torch.isnan(nan_weights).all().item()),
    }


def causal_gpt(gpt, rng):
    x = torch.from_numpy(rng.normal(size=(2, 5, 8)).astype(np.float32))
    by_hand = gpt(x)
    flash = gpt(x, flash=True)
    q, k, v = gpt.qkv(x)
    keep = torch.from_numpy(rng.random((5, 5)) > 0.4)
    keep[:, 0] = True
    with_bool = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
    float_mask = torch.zeros(5, 5).masked_fill(~keep, float("-inf"))
    with_float = F.scaled_dot_product_attention(q, k, v, attn_mask=float_mask)
    scaled = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.5)
    flash.pow(2).sum().backward()
    return {
        "by_hand": by_hand[0, -1].tolist(),
        "same_as_flash": (by_hand - flash).abs().max().item() < 1e-5,
        "bool_vs_float": (with_bool - with_float).abs().max().item() < 1e-6,
        "with_bool": with_bool[1, 0, 3].tolist(),
        "scaled": scaled[0, 1, 2].tolist(),
        "grad_c_attn": gpt.c_attn.weight.grad.abs().sum().item(),
        "buffer": [list(gpt.bias.shape), gpt.bias.sum().item()],
    }


def padded_encoders(prenorm, postnorm, rng):
    x = torch.from_numpy(rng.normal(size=(2, 4, 8)).astype(np.float32))
    padding = torch.tensor([[False] * 4, [False, False, True, True]])
    train_out = postnorm(x, src_key_padding_mask=padding)
    prenorm.eval()
    postnorm.eval()
    with torch.no_grad():
        pre = prenorm(x, src_key_padding_mask=padding)
        post = postnorm(x, src_key_padding_mask=padding)  # PyTorch's nested-tensor path
    return {
        "train_padded": train_out[1, 3].tolist(),
        "pre": pre[1].tolist(),
        "post_kept": post[1, :2].tolist(),
        "post_padded": post[1, 2:].abs().sum().item(),
    }


def run(model, workdir=None):
    rng = np.random.default_rng(24)
    return {
        "vit": train_vit(model["vit"], rng),
        "mha": attention_directly(model["attn"], rng),
        "gpt": causal_gpt(model["gpt"], rng),
        "padded": padded_encoders(model["prenorm"], model["postnorm"], rng),
    }
