"""Gradient-norm logging, parameter vectors and image optimisation in the `.data` idioms of PyTorch
0.4-1.4 code: PyTorch's own utilities of that time and its neural-style tutorial.

The gradient norm as the forum answer and most training scripts log it: `for p in model.parameters():
param_norm = p.grad.data.norm(2); total_norm += param_norm.item() ** 2`, then `total_norm ** (1. / 2)`;
and `clip_grad_norm_` as `torch/nn/utils/clip_grad.py` wrote it in PyTorch 0.4-1.4 (`parameters =
list(filter(lambda p: p.grad is not None, parameters))`, `max(p.grad.data.abs().max() for p in
parameters)` for the infinity norm, `clip_coef = max_norm / (total_norm + 1e-6)`, `p.grad.data.mul_(clip_coef)`),
next to today's `torch.nn.utils.clip_grad_norm_`. `vector_to_parameters` as `torch/nn/utils/convert_parameters.py`
wrote it then (`param.data = vec[pointer:pointer + num_param].view_as(param).data`), after which
`p.data = p.data.clone()` gives each parameter memory of its own. Reads for logging and plotting:
`p.data.cpu().numpy()` into `np.histogram`, `x.data.numpy()`, `loss.data.item()`. And the
closure of the neural-style tutorial (`advanced/neural_style_tutorial`, 2018-2020):
`optim.LBFGS([input_img.requires_grad_()])`,
`input_img.data.clamp_(0, 1)` at the start of each closure and once after the loop, a `gram_matrix` of
`features = input.view(a * b, c * d)`, `G = torch.mm(features, features.t())`, `G.div(a * b * c * d)`,
`F.mse_loss` against `target.detach()`. A small MLP on a fixed regression in place of a real model;
a 2-channel 8 x 8 "image".
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

TOLERANCE = {"rtol": 2e-3, "atol": 1e-5}
inf = float("inf")


def clip_grad_norm_(parameters, max_norm, norm_type=2):
    """PyTorch 0.4-1.4's, through ``.data``."""
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    parameters = list(filter(lambda p: p.grad is not None, parameters))
    max_norm = float(max_norm)
    norm_type = float(norm_type)
    if norm_type == inf:
        total_norm = max(p.grad.data.abs().max() for p in parameters)
    else:
        total_norm = 0
        for p in parameters:
            param_norm = p.grad.data.norm(norm_type)
            total_norm += param_norm.item() ** norm_type
        total_norm = total_norm ** (1.0 / norm_type)
    clip_coef = max_norm / (total_norm + 1e-6)
    if clip_coef < 1:
        for p in parameters:
            p.grad.data.mul_(clip_coef)
    return total_norm


def vector_to_parameters(vec, parameters):
    """PyTorch 0.4-1.4's, through ``.data``."""
    pointer = 0
    for param in parameters:
        num_param = param.numel()
        param.data = vec[pointer : pointer + num_param].view_as(param).data
        pointer += num_param


def gram_matrix(input):
    a, b, c, d = input.size()
    features = input.view(a * b, c * d)
    G = torch.mm(features, features.t())
    return G.div(a * b * c * d)


def build_model():
    return nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))


def run(model, workdir=None):
    rng = np.random.default_rng(7)
    x = torch.from_numpy(rng.normal(size=(32, 4)).astype(np.float32))
    y = torch.from_numpy((np.sin(x.numpy()).sum(1, keepdims=True) * 3).astype(np.float32))
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    log = []
    for step in range(6):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        total_norm = 0
        for p in model.parameters():
            param_norm = p.grad.data.norm(2)
            total_norm += param_norm.item() ** 2
        total_norm = total_norm ** (1.0 / 2)
        inf_norm = clip_grad_norm_(model.parameters(), inf, norm_type=inf)
        clipped = clip_grad_norm_(model.parameters(), 1.0)
        today = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0).item()
        optimizer.step()
        log.append([loss.data.item(), total_norm, inf_norm.item(), clipped, today])

    weights = model[0].weight.data.cpu().numpy()
    counts, edges = np.histogram(weights, bins=5)
    predictions = model(x[:4]).data.numpy()[:, 0].tolist()

    params = list(model.parameters())
    vec = torch.nn.utils.parameters_to_vector(params).detach().clone()
    vector_to_parameters(vec * 0.5, params)
    shared = [p.data_ptr() == params[0].data_ptr() for p in params[:1]]
    for p in params:
        p.data = p.data.clone()
    halved = model(x[:4]).detach().numpy()[:, 0].tolist()

    # the neural-style closure, on a 2-channel 8 x 8 image
    style = torch.from_numpy(rng.uniform(size=(1, 2, 8, 8)).astype(np.float32))
    content = torch.from_numpy(rng.uniform(size=(1, 2, 8, 8)).astype(np.float32))
    target = gram_matrix(style).detach()
    input_img = content.clone() + 0.3
    optimizer = optim.LBFGS([input_img.requires_grad_()])
    run = [0]
    scores = []
    while run[0] <= 10:

        def closure():
            # correct the values of updated input image
            input_img.data.clamp_(0, 1)
            optimizer.zero_grad()
            style_score = F.mse_loss(gram_matrix(input_img), target) * 1000
            content_score = F.mse_loss(input_img, content.detach())
            loss = style_score + content_score
            loss.backward()
            run[0] += 1
            scores.append(loss.data.item())
            return style_score + content_score

        optimizer.step(closure)
    input_img.data.clamp_(0, 1)
    image = [input_img.data.min().item(), input_img.data.max().item(), input_img.data.mean().item()]
    return {
        "log": log,
        "histogram": [counts.tolist(), edges.tolist()],
        "predictions": predictions,
        "halved": halved,
        "shared": shared,
        "scores": scores[:6] + scores[-2:],
        "image": image,
    }
