"""LeNet pruned as the PyTorch pruning tutorial does, fine-tuned with its masks, made permanent,
and folded for inference.

The idioms: the "Pruning Tutorial" of pytorch.org (`prune.random_unstructured(module,
name="weight", amount=0.3)`, `prune.l1_unstructured(module, name="bias", amount=3)`,
`prune.ln_structured(module, name="weight", amount=0.5, n=2, dim=0)` on top of it, iterating
`module._forward_pre_hooks.values()` to find the `PruningContainer` and list its methods,
`model.state_dict().keys()` with `weight_orig`/`weight_mask`, `prune.global_unstructured(
parameters_to_prune, pruning_method=prune.L1Unstructured, amount=0.2)` and the sparsity printed
per layer as `100. * float(torch.sum(m.weight == 0)) / float(m.weight.nelement())`,
`prune.remove(module, "weight")`); the fine-tuning loop of iterative magnitude pruning
(lottery-ticket repositories: prune, train with the mask, prune again); `prune.is_pruned`;
`torch.nn.utils.fusion.fuse_conv_bn_eval` (the conv-BN folding of deployment scripts and
`torch.ao.quantization.fuse_modules`); `torch.nn.utils.skip_init` for a layer whose weights are
set right after; `torch.func.functional_call` with a state dict of replacements.
"""

import torch
import torch.nn.functional as F
import torch.nn.utils.prune as prune
from torch import nn
from torch.func import functional_call
from torch.nn.utils.fusion import fuse_conv_bn_eval

TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3)
        self.conv2 = nn.Conv2d(6, 16, 3)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, int(x.nelement() / x.shape[0]))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def build_model():
    return LeNet()


def sparsity(module):
    return round(100.0 * float(torch.sum(module.weight == 0)) / float(module.weight.nelement()), 4)


def run(model, workdir):
    generator = torch.Generator().manual_seed(0)
    x = torch.linspace(-1.0, 1.0, 4 * 28 * 28).reshape(4, 1, 28, 28).sin()
    y = torch.tensor([1, 7, 3, 0])
    out = {}

    # the tutorial on one layer: a random pruning (its count; which units differ by generator)
    layer = nn.Conv2d(1, 6, 3)
    prune.random_unstructured(layer, name="weight", amount=0.3)
    out["random_zeros"] = int(torch.sum(layer.weight == 0))
    out["random_keys"] = [name for name, _ in layer.named_parameters()] + [n for n, _ in layer.named_buffers()]
    del generator

    # magnitude pruning on the model: bias, then channels on top of it (a PruningContainer)
    module = model.conv1
    prune.l1_unstructured(module, name="bias", amount=3)
    prune.l1_unstructured(module, name="weight", amount=0.3)
    prune.ln_structured(module, name="weight", amount=0.5, n=2, dim=0)
    for hook in module._forward_pre_hooks.values():
        if hook._tensor_name == "weight":
            break
    out["container"] = [type(h).__name__ for h in hook]
    out["conv1_bias_mask"] = module.bias_mask.tolist()
    out["conv1_channel_kept"] = (module.weight_mask.sum(dim=(1, 2, 3)) > 0).tolist()
    out["keys"] = list(model.state_dict().keys())

    parameters_to_prune = (
        (model.conv2, "weight"),
        (model.fc1, "weight"),
        (model.fc2, "weight"),
        (model.fc3, "weight"),
    )
    prune.global_unstructured(parameters_to_prune, pruning_method=prune.L1Unstructured, amount=0.2)
    out["sparsity"] = [sparsity(m) for m in (model.conv1, model.conv2, model.fc1, model.fc2, model.fc3)]

    # fine-tune with the masks, prune again, fine-tune again
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for rounds in range(2):
        for _ in range(3):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        prune.global_unstructured(parameters_to_prune, pruning_method=prune.L1Unstructured, amount=0.1)
    out["losses"] = losses
    model(x)
    out["masked_still_zero"] = all(bool((m.weight[m.weight_mask == 0] == 0).all()) for m, _ in parameters_to_prune)
    out["sparsity_after"] = [sparsity(m) for m, _ in parameters_to_prune]
    optimizer.zero_grad()
    F.cross_entropy(model(x), y).backward()
    out["grad_masked"] = bool((model.fc1.weight_orig.grad[model.fc1.weight_mask == 0] == 0).all())

    # make it permanent
    for m in (model.conv1, model.conv2, model.fc1, model.fc2, model.fc3):
        prune.remove(m, "weight")
    prune.remove(model.conv1, "bias")
    out["is_pruned"] = prune.is_pruned(model)
    out["keys_after"] = list(model.state_dict().keys())
    out["logits"] = model(x)[0].tolist()
    torch.save(model.state_dict(), f"{workdir}/pruned.pt")
    fresh = build_model()
    fresh.load_state_dict(torch.load(f"{workdir}/pruned.pt"))
    out["reloaded_same"] = bool(torch.equal(fresh(x), model(x)))

    # functional_call with replacements from a state dict
    params = {k: v * 0.5 for k, v in model.state_dict().items() if k.startswith("fc3")}
    out["functional"] = functional_call(model, params, (x,))[0].tolist()

    # conv + batch norm folded for inference
    with torch.no_grad():
        conv, bn = nn.Conv2d(1, 4, 3).eval(), nn.BatchNorm2d(4).eval()
        conv.weight.copy_(torch.linspace(-0.5, 0.5, 36).reshape(4, 1, 3, 3))
        conv.bias.copy_(torch.tensor([0.1, -0.2, 0.3, 0.0]))
        bn.running_mean.copy_(torch.tensor([0.2, -0.1, 0.05, 0.3]))
        bn.running_var.copy_(torch.tensor([1.5, 0.5, 2.0, 0.8]))
        bn.weight.copy_(torch.tensor([1.0, 2.0, 0.5, -1.0]))
        fused = fuse_conv_bn_eval(conv, bn)
        out["fused_max_diff_small"] = bool((fused(x) - bn(conv(x))).abs().max() < 1e-5)
        out["fused_weight_sum"] = fused.weight.sum().item()
        out["fused_bias"] = fused.bias.tolist()

    # a layer built without its initial draws, then set
    head = torch.nn.utils.skip_init(nn.Linear, 84, 10)
    with torch.no_grad():
        head.weight.fill_(0.01)
        head.bias.zero_()
    out["skip_init"] = [list(head.weight.shape), head(torch.ones(1, 84)).sum().item()]
    return out
