"""A hyperparameter changed after construction is saved with its new value, or saving is refused
naming the layer and the attribute; it is never lost on load. Every public attribute of every
built-in layer type is covered (a new layer, or a new attribute, without an entry here fails)."""

import re

import numpy as np
import pytest
from tests.io.test_config import Residual, Wrapper
from tests.io.test_roundtrip import EXAMPLES

import deltanet as dn
from deltanet import nn
from deltanet.io import CheckpointError
from deltanet.io.rebuild import attributes
from deltanet.nn.module import frozen_value

WEIGHTS = r"does not rebuild this model: weights differ at .*\(changed after construction: {attr}\)"
LAYERS = r"does not rebuild this model: .*layer.*\(changed after construction: {attr}\)"
EXPRESS = r"attribute '{attr}' is .*, but {cls} rebuilt from the saved config gives .*cannot express this change"
CANNOT = r"cannot save: the model cannot be rebuilt from its config: .*{cls} refused its arguments"


def derived(attr, cls):
    return rf"attribute '{attr}' is .*, but {cls} rebuilt from the saved config gives"


# class -> {attribute: new value that round-trips}
KEPT = {
    # attention and Transformers (port program p24)
    nn.MultiheadAttention: {"dropout": 0.5, "batch_first": False, "add_zero_attn": True},
    nn.TransformerEncoderLayer: {"norm_first": False},
    nn.TransformerEncoder: {"enable_nested_tensor": False, "mask_check": False},
    nn.TransformerDecoderLayer: {"norm_first": True},
    # activations, distances and metric-learning losses (port program p18)
    nn.Hardtanh: {"min_val": -1.5, "max_val": 1.0, "inplace": True},
    nn.ReLU6: {"inplace": True},
    nn.Hardsigmoid: {"inplace": True},
    nn.Hardswish: {"inplace": True},
    nn.Hardshrink: {"lambd": 0.7},
    nn.Softshrink: {"lambd": 0.6},
    nn.Threshold: {"threshold": 0.4, "value": 2.0, "inplace": True},
    nn.RReLU: {"lower": 0.05, "upper": 0.3, "inplace": True},
    nn.CELU: {"alpha": 2.0, "inplace": True},
    nn.SELU: {"inplace": True},
    nn.Mish: {"inplace": True},
    nn.GLU: {"dim": -1},
    nn.Softmin: {"dim": 0},
    nn.CosineSimilarity: {"dim": 1, "eps": 1e-4},
    nn.PairwiseDistance: {"eps": 1e-3, "keepdim": False},
    nn.TripletMarginLoss: {"reduction": "sum", "margin": 1.5, "p": 2.0, "eps": 1e-3, "swap": False},
    nn.TripletMarginWithDistanceLoss: {"reduction": "none", "margin": 0.5, "swap": True},
    nn.MarginRankingLoss: {"reduction": "mean", "margin": 0.4},
    nn.CosineEmbeddingLoss: {"reduction": "sum", "margin": 0.5},
    nn.HingeEmbeddingLoss: {"reduction": "none", "margin": 0.5},
    nn.SoftMarginLoss: {"reduction": "mean"},
    nn.MultiLabelSoftMarginLoss: {"reduction": "sum"},
    nn.MultiLabelMarginLoss: {"reduction": "sum"},
    nn.CTCLoss: {"reduction": "none", "blank": 1, "zero_infinity": False},
    nn.PoissonNLLLoss: {"reduction": "sum", "log_input": True, "full": False, "eps": 1e-5},
    nn.GaussianNLLLoss: {"reduction": "sum", "full": False, "eps": 1e-3},
    nn.Linear: {"init": "he_normal"},
    # recurrent layers (port program p25): the settings of the loop over time, not the weights' shapes
    nn.RNN: {"batch_first": True, "dropout": 0.25, "nonlinearity": "tanh"},
    nn.LSTM: {"batch_first": False, "dropout": 0.25},
    nn.GRU: {"batch_first": True, "dropout": 0.25},
    nn.RNNBase: {"batch_first": True, "dropout": 0.25},
    nn.RNNCell: {"nonlinearity": "tanh"},
    nn.Flatten: {"start_dim": 1, "end_dim": 2},
    nn.ReLU: {"inplace": True},
    nn.LeakyReLU: {"negative_slope": 0.3, "inplace": True},
    nn.ELU: {"alpha": 1.5, "inplace": True},
    nn.SiLU: {"inplace": True},
    nn.GELU: {"approximate": "none"},
    nn.Softplus: {"beta": 3.0, "threshold": 5.0},
    nn.Softmax: {"dim": 0},
    nn.LogSoftmax: {"dim": 0},
    nn.Dropout: {"p": 0.2, "inplace": True},
    nn.Dropout2d: {"p": 0.1, "inplace": True},
    nn.Dropout3d: {"p": 0.1, "inplace": True},
    nn.Dropout1d: {"p": 0.1, "inplace": True},
    nn.AlphaDropout: {"p": 0.1, "inplace": True},
    nn.FeatureAlphaDropout: {"p": 0.1, "inplace": True},
    nn.CircularPad1d: {"padding": (1, 0)},
    nn.CircularPad2d: {"padding": (0, 1, 1, 0)},
    nn.CircularPad3d: {"padding": (0, 1, 1, 0, 1, 1)},
    nn.RMSNorm: {"eps": 1e-3},
    nn.ZeroPad1d: {"padding": (2, 3)},
    nn.ZeroPad2d: {"padding": (2, 3, 4, 5)},
    nn.ZeroPad3d: {"padding": (2, 3, 4, 5, 6, 7)},
    nn.ConstantPad1d: {"padding": (2, 3), "value": 0.75},
    nn.ConstantPad2d: {"padding": (2, 3, 4, 5), "value": 0.75},
    nn.ConstantPad3d: {"padding": (2, 3, 4, 5, 6, 7), "value": 0.75},
    nn.ReflectionPad1d: {"padding": (0, 0)},
    nn.ReflectionPad2d: {"padding": (0, 0, 0, 0)},
    nn.ReflectionPad3d: {"padding": (0, 0, 0, 0, 0, 0)},
    nn.ReplicationPad1d: {"padding": (2, 3)},
    nn.ReplicationPad2d: {"padding": (2, 3, 4, 5)},
    nn.ReplicationPad3d: {"padding": (2, 3, 4, 5, 6, 7)},
    nn.BatchNorm1d: {"eps": 1e-3, "momentum": 0.2},
    nn.BatchNorm2d: {"eps": 1e-2, "momentum": None},
    nn.BatchNorm3d: {"eps": 1e-4, "momentum": 0.5},
    nn.SyncBatchNorm: {"eps": 1e-3, "momentum": 0.1},
    nn.Conv1d: {"padding": (2,), "dilation": (1,), "init": "glorot_uniform", "padding_mode": "replicate"},
    nn.Conv2d: {
        "stride": (1, 1),
        "padding": (0, 0),
        "dilation": (2, 1),
        "init": "he_uniform",
        "padding_mode": "reflect",
    },
    nn.Conv3d: {
        "stride": (2, 2, 2),
        "padding": (1, 1, 1),
        "dilation": (2, 2, 2),
        "init": None,
        "padding_mode": "circular",
    },
    nn.ConvTranspose1d: {
        "stride": (3,),
        "padding": (1,),
        "output_padding": (0,),
        "dilation": (2,),
        "init": "he_uniform",
    },
    nn.ConvTranspose2d: {
        "stride": (1, 1),
        "padding": (1, 1),
        "output_padding": (1, 1),
        "dilation": (2, 2),
        "init": "he_normal",
    },
    nn.ConvTranspose3d: {
        "stride": (3, 3, 3),
        "padding": (0, 0, 0),
        "output_padding": (0, 0, 0),
        "dilation": (2, 2, 2),
        "init": "he_normal",
    },
    nn.MaxPool1d: {"stride": 1, "padding": 1, "ceil_mode": True, "dilation": 2},
    nn.MaxPool2d: {"kernel_size": (3, 3), "stride": 2, "padding": 0, "ceil_mode": True, "dilation": (1, 2)},
    nn.MaxPool3d: {"stride": 1, "padding": 1, "ceil_mode": True, "dilation": 2},
    nn.AvgPool1d: {
        "kernel_size": (2,),
        "stride": (1,),
        "padding": (0,),
        "count_include_pad": True,
        "ceil_mode": True,
        "divisor_override": 2,
    },
    nn.AvgPool2d: {"stride": 1, "padding": 1, "count_include_pad": False, "ceil_mode": True, "divisor_override": 3},
    nn.AvgPool3d: {"stride": 1, "padding": 1, "count_include_pad": False, "ceil_mode": True, "divisor_override": 2},
    nn.AdaptiveMaxPool1d: {"output_size": 2},
    nn.AdaptiveMaxPool2d: {"output_size": (3, 2)},
    nn.AdaptiveMaxPool3d: {"output_size": 2},
    nn.LPPool1d: {"norm_type": 3.0, "kernel_size": 2, "stride": 1, "ceil_mode": True},
    nn.LPPool2d: {"norm_type": 1, "kernel_size": (2, 2), "stride": 1, "ceil_mode": False},
    nn.LPPool3d: {"norm_type": 2.5, "kernel_size": 1, "stride": 1, "ceil_mode": True},
    nn.ChannelShuffle: {"groups": 2},
    nn.MaxUnpool1d: {"kernel_size": (2,), "stride": (1,), "padding": (0,)},
    nn.MaxUnpool2d: {"stride": (1, 1), "padding": (1, 1)},
    nn.MaxUnpool3d: {"stride": (2, 1, 1), "padding": (0, 1, 1)},
    nn.Unfold: {"kernel_size": 2, "dilation": 2, "padding": 0, "stride": 1},
    nn.Fold: {"output_size": (4, 3)},
    nn.UpsamplingBilinear2d: {"scale_factor": 3.0},
    nn.UpsamplingNearest2d: {"size": (4, 4)},
    nn.AdaptiveAvgPool1d: {"output_size": 2},
    nn.AdaptiveAvgPool2d: {"output_size": (3, 2)},
    nn.AdaptiveAvgPool3d: {"output_size": 2},
    nn.Upsample: {"scale_factor": (3, 2), "align_corners": False, "recompute_scale_factor": True},
    nn.LayerNorm: {"eps": 1e-3},
    nn.GroupNorm: {"num_groups": 1, "eps": 1e-3},
    nn.InstanceNorm1d: {"eps": 1e-3, "momentum": 0.2},
    nn.InstanceNorm2d: {"eps": 1e-3, "momentum": 0.3},
    nn.InstanceNorm3d: {"eps": 1e-3, "momentum": None},
    nn.Embedding: {"padding_idx": 0, "max_norm": 1.0, "norm_type": 1.0, "scale_grad_by_freq": True},
    nn.EmbeddingBag: {"padding_idx": 0, "max_norm": 1.0, "norm_type": 1.0, "mode": "sum", "include_last_offset": True},
    nn.PixelShuffle: {"upscale_factor": 1},
    nn.PixelUnshuffle: {"downscale_factor": 1},
    nn.Unflatten: {"dim": -1, "unflattened_size": (3, 2)},
    nn.MSELoss: {"reduction": "mean"},
    nn.L1Loss: {"reduction": "sum"},
    nn.HuberLoss: {"reduction": "sum", "delta": 2.0},
    nn.SmoothL1Loss: {"reduction": "none", "beta": 1.0},
    nn.CrossEntropyLoss: {"reduction": "sum", "ignore_index": -100, "label_smoothing": 0.2},
    nn.NLLLoss: {"reduction": "mean", "ignore_index": 2},
    nn.BCELoss: {"reduction": "sum"},
    nn.BCEWithLogitsLoss: {"reduction": "sum"},
    nn.KLDivLoss: {"reduction": "sum", "log_target": False},
    nn.MultiMarginLoss: {"reduction": "sum", "p": 1, "margin": 1.0},
    nn.LocalResponseNorm: {"size": 5, "alpha": 0.2, "beta": 0.75, "k": 1.0},
    dn.models.GoogLeNet: {"transform_input": False},
}

# class -> {attribute: (new value, the refusal's pattern)}: changes that a file cannot express
REFUSED = {
    nn.MultiheadAttention: {
        "embed_dim": (16, WEIGHTS),
        "num_heads": (4, derived("head_dim", "MultiheadAttention")),
        "head_dim": (2, EXPRESS),
        "kdim": (8, WEIGHTS),
        "vdim": (6, WEIGHTS),
    },
    # The activation is kept as the function the name gave (PyTorch's attribute); a name set later is refused.
    nn.TransformerEncoderLayer: {"activation": ("relu", EXPRESS), "activation_relu_or_gelu": (False, EXPRESS)},
    nn.TransformerEncoder: {"num_layers": (3, LAYERS), "use_nested_tensor": (True, EXPRESS)},
    nn.TransformerDecoderLayer: {"activation": ("gelu", EXPRESS), "activation_relu_or_gelu": (False, EXPRESS)},
    nn.TransformerDecoder: {"num_layers": (1, LAYERS)},
    nn.Transformer: {
        "d_model": (16, WEIGHTS),
        "batch_first": (True, derived("use_nested_tensor", "TransformerEncoder")),
    },
    nn.ReLU6: {"min_val": (-1.0, EXPRESS), "max_val": (4.0, EXPRESS)},  # fixed by the class, as PyTorch's
    nn.PairwiseDistance: {"norm": (3.0, EXPRESS)},  # the constructor's p
    nn.Bilinear: {"in1_features": (4, WEIGHTS), "in2_features": (3, WEIGHTS), "out_features": (2, WEIGHTS)},
    nn.Linear: {"in_features": (5, WEIGHTS), "out_features": (2, WEIGHTS)},
    nn.RNN: {
        "input_size": (4, WEIGHTS),
        "hidden_size": (5, WEIGHTS),
        "num_layers": (1, WEIGHTS),
        "bias": (False, WEIGHTS),
        "bidirectional": (False, WEIGHTS),
        "proj_size": (1, EXPRESS),
    },
    nn.LSTM: {
        "input_size": (4, WEIGHTS),
        "hidden_size": (5, WEIGHTS),
        "num_layers": (1, WEIGHTS),
        "bias": (False, WEIGHTS),
        "bidirectional": (True, WEIGHTS),
        "proj_size": (1, WEIGHTS),
    },
    nn.GRU: {
        "input_size": (4, WEIGHTS),
        "hidden_size": (5, WEIGHTS),
        "num_layers": (1, WEIGHTS),
        "bias": (True, WEIGHTS),
        "bidirectional": (True, WEIGHTS),
        "proj_size": (1, EXPRESS),
    },
    nn.RNNBase: {
        "input_size": (4, WEIGHTS),
        "hidden_size": (5, WEIGHTS),
        "num_layers": (1, WEIGHTS),
        "bias": (False, WEIGHTS),
        "bidirectional": (True, WEIGHTS),
        "proj_size": (1, CANNOT),
    },
    nn.RNNCell: {"input_size": (4, WEIGHTS), "hidden_size": (5, WEIGHTS), "bias": (False, WEIGHTS)},
    nn.LSTMCell: {"input_size": (4, WEIGHTS), "hidden_size": (5, WEIGHTS), "bias": (True, WEIGHTS)},
    nn.GRUCell: {"input_size": (4, WEIGHTS), "hidden_size": (5, WEIGHTS), "bias": (False, WEIGHTS)},
    nn.RNNCellBase: {"input_size": (4, WEIGHTS), "hidden_size": (5, WEIGHTS), "bias": (False, WEIGHTS)},
    nn.PReLU: {"num_parameters": (1, WEIGHTS)},
    nn.BatchNorm1d: {
        "num_features": (4, WEIGHTS),
        "affine": (False, WEIGHTS),
        "track_running_stats": (False, WEIGHTS),
    },
    nn.BatchNorm2d: {"num_features": (2, WEIGHTS), "affine": (True, WEIGHTS), "track_running_stats": (False, WEIGHTS)},
    nn.BatchNorm3d: {"num_features": (3, WEIGHTS), "affine": (False, WEIGHTS), "track_running_stats": (False, WEIGHTS)},
    nn.SyncBatchNorm: {
        "num_features": (2, WEIGHTS),
        "affine": (False, WEIGHTS),
        "track_running_stats": (False, WEIGHTS),
    },
    nn.Conv1d: {
        "in_channels": (4, WEIGHTS),
        "out_channels": (2, WEIGHTS),
        "kernel_size": ((5,), WEIGHTS),
        "groups": (2, WEIGHTS),
        "output_padding": ((1,), CANNOT),
        "stride": ((2,), CANNOT),  # padding="same" needs stride 1
    },
    nn.Conv2d: {
        "in_channels": (4, WEIGHTS),
        "out_channels": (2, WEIGHTS),
        "kernel_size": ((3, 3), WEIGHTS),
        "groups": (1, WEIGHTS),
        "output_padding": ((1, 0), CANNOT),
    },
    nn.Conv3d: {
        "in_channels": (2, WEIGHTS),
        "out_channels": (4, WEIGHTS),
        "kernel_size": ((1, 1, 1), WEIGHTS),
        "groups": (2, CANNOT),
        "output_padding": ((1, 1, 1), CANNOT),
    },
    nn.ConvTranspose1d: {
        "in_channels": (4, WEIGHTS),
        "out_channels": (6, WEIGHTS),
        "kernel_size": ((2,), WEIGHTS),
        "groups": (2, CANNOT),
        "padding_mode": ("reflect", CANNOT),
    },
    nn.ConvTranspose2d: {
        "in_channels": (2, WEIGHTS),
        "out_channels": (4, WEIGHTS),
        "kernel_size": ((3, 3), WEIGHTS),
        "groups": (1, WEIGHTS),
        "padding_mode": ("reflect", CANNOT),
    },
    nn.ConvTranspose3d: {
        "in_channels": (1, WEIGHTS),
        "out_channels": (2, WEIGHTS),
        "kernel_size": ((2, 2, 2), WEIGHTS),
        "groups": (2, CANNOT),
        "padding_mode": ("reflect", CANNOT),
    },
    # The stride defaults to the kernel size: a new kernel size alone would give a new stride.
    nn.MaxPool1d: {"kernel_size": (3, derived("stride", "MaxPool1d"))},
    nn.MaxPool3d: {"kernel_size": (3, derived("stride", "MaxPool3d"))},
    nn.MaxUnpool2d: {"kernel_size": ((3, 3), derived("stride", "MaxUnpool2d"))},
    nn.MaxUnpool3d: {"kernel_size": ((2, 2, 2), derived("stride", "MaxUnpool3d"))},
    nn.AvgPool2d: {"kernel_size": (3, derived("stride", "AvgPool2d"))},
    nn.AvgPool3d: {"kernel_size": (3, derived("stride", "AvgPool3d"))},
    nn.ZeroPad1d: {"value": (0.5, derived("value", "ZeroPad1d"))},
    nn.ZeroPad2d: {"value": (0.5, derived("value", "ZeroPad2d"))},
    nn.ZeroPad3d: {"value": (0.5, derived("value", "ZeroPad3d"))},
    nn.LayerNorm: {"normalized_shape": ((4,), WEIGHTS), "elementwise_affine": (False, WEIGHTS)},
    nn.RMSNorm: {"normalized_shape": ((4,), WEIGHTS), "elementwise_affine": (False, WEIGHTS)},
    nn.GroupNorm: {"num_channels": (2, WEIGHTS), "affine": (False, WEIGHTS)},
    nn.InstanceNorm1d: {
        "num_features": (4, WEIGHTS),
        "affine": (False, WEIGHTS),
        "track_running_stats": (False, WEIGHTS),
    },
    nn.InstanceNorm2d: {
        "num_features": (3, WEIGHTS),
        "affine": (True, WEIGHTS),
        "track_running_stats": (False, WEIGHTS),
    },
    nn.InstanceNorm3d: {
        "num_features": (3, WEIGHTS),
        "affine": (False, WEIGHTS),
        "track_running_stats": (True, WEIGHTS),
    },
    dn.models.GoogLeNet: {
        "num_classes": (4, WEIGHTS),
        "aux_logits": (True, LAYERS),
        "ch5x5_kernel_size": (5, WEIGHTS),
    },
    dn.models.AlexNet: {
        "num_classes": (4, WEIGHTS),
        "local_response_norm": (False, LAYERS),
    },
    nn.Embedding: {"num_embeddings": (7, WEIGHTS), "embedding_dim": (2, WEIGHTS), "sparse": (True, CANNOT)},
    nn.EmbeddingBag: {
        "num_embeddings": (7, WEIGHTS),
        "embedding_dim": (2, WEIGHTS),
        "sparse": (True, CANNOT),
        "scale_grad_by_freq": (True, CANNOT),
    },
    # size and scale_factor both set is not a layer the constructor makes (PyTorch refuses it too).
    nn.Upsample: {"size": ((4, 5), CANNOT), "mode": ("nearest", CANNOT)},
    # The fixed-mode upsamplers take size and scale_factor only.
    nn.UpsamplingBilinear2d: {
        "size": ((4, 5), CANNOT),
        "mode": ("nearest", derived("mode", "UpsamplingBilinear2d")),
        "align_corners": (False, derived("align_corners", "UpsamplingBilinear2d")),
        "recompute_scale_factor": (True, derived("recompute_scale_factor", "UpsamplingBilinear2d")),
    },
    nn.UpsamplingNearest2d: {
        "scale_factor": (2.0, CANNOT),
        "mode": ("bilinear", derived("mode", "UpsamplingNearest2d")),
        "align_corners": (True, derived("align_corners", "UpsamplingNearest2d")),
        "recompute_scale_factor": (True, derived("recompute_scale_factor", "UpsamplingNearest2d")),
    },
    dn.models.UNet: {
        "in_channels": (1, WEIGHTS),
        "classes": (2, WEIGHTS),
        "depth": (2, LAYERS),
        "width": (4, WEIGHTS),
        "dims": (3, LAYERS),
        "batch_norm": (False, LAYERS),
    },
}

# Attributes that no test changes, with the reason.
NOT_SETTABLE = {
    (nn.Transformer, "nhead"): (
        "changes no layer; saving refuses it through the attention layer it would rebuild ('head_dim', named)"
    ),
    (nn.MultiheadAttention, "in_proj_weight"): "None when kdim or vdim differ: a parameter slot",
    (nn.MultiheadAttention, "bias_k"): "None without add_bias_kv: a parameter slot",
    (nn.MultiheadAttention, "bias_v"): "None without add_bias_kv: a parameter slot",
    (nn.TransformerEncoder, "norm"): "None without a final norm: a module slot",
    (nn.TransformerDecoder, "norm"): "None without a final norm: a module slot",
    (nn.Dropout, "rng"): "a generator: not kept (documented); its draws are not weights",
    (nn.DataParallel, "device_ids"): "always [] without a GPU, as PyTorch's; not an argument it keeps",
    (nn.SyncBatchNorm, "process_group"): "PyTorch's argument, accepted and kept as None: ranks come from MPI",
    (nn.BatchNorm2d, "weight"): "None for affine=False: a parameter slot, compared as a parameter",
    (nn.BatchNorm2d, "bias"): "None for affine=False: a parameter slot, compared as a parameter",
    (nn.Conv2d, "bias"): "None for bias=False: a parameter slot, compared as a parameter",
    (nn.LSTMCell, "bias_ih"): "None for bias=False: a parameter slot, compared as a parameter",
    (nn.LSTMCell, "bias_hh"): "None for bias=False: a parameter slot, compared as a parameter",
    (nn.Dropout2d, "rng"): "None: the default generator; an int seed here is refused (see below)",
    (nn.Dropout3d, "rng"): "None: the default generator; an int seed here is refused (see below)",
    **{
        (c, "rng"): "None: the default generator; an int seed here is refused (as Dropout2d's)"
        for c in (nn.Dropout1d, nn.AlphaDropout, nn.FeatureAlphaDropout)
    },
    (nn.InstanceNorm2d, "weight"): "None for affine=False: a parameter slot, compared as a parameter",
    (nn.InstanceNorm2d, "bias"): "None for affine=False: a parameter slot, compared as a parameter",
    (nn.InstanceNorm3d, "running_mean"): "None without running statistics: a buffer slot",
    (nn.InstanceNorm3d, "running_var"): "None without running statistics: a buffer slot",
    (nn.InstanceNorm3d, "num_batches_tracked"): "None without running statistics: a buffer slot",
    (nn.BCEWithLogitsLoss, "weight"): "None without class weights: a buffer slot",
    (dn.models.GoogLeNet, "aux1"): "None without auxiliary heads: a module slot (see aux_logits)",
    (dn.models.GoogLeNet, "aux2"): "None without auxiliary heads: a module slot (see aux_logits)",
    # True makes forward return (values, indices): kept by test_return_indices_set_later_is_kept below.
    **{
        (c, "return_indices"): "see below"
        for c in (nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d, nn.MaxPool1d, nn.MaxPool2d)
    },
    (nn.MaxPool3d, "return_indices"): "see below",
    # The example's 6 columns are the blocks of its geometry: another kernel, dilation, padding or
    # stride needs another input (the constructor's arguments round-trip in test_roundtrip).
    **{(nn.Fold, a): "fixed by the example's input" for a in ("kernel_size", "dilation", "padding", "stride")},
}


def _cases():
    for cls, changes in KEPT.items():
        for attr, value in changes.items():
            yield pytest.param(cls, attr, value, None, id=f"{cls.__name__}.{attr}-kept")
    for cls, changes in REFUSED.items():
        for attr, (value, pattern) in changes.items():
            yield pytest.param(cls, attr, value, pattern, id=f"{cls.__name__}.{attr}-refused")


def test_every_public_attribute_of_every_built_in_layer_is_covered():
    for cls, (factory, _) in EXAMPLES.items():
        model = factory()
        for attr in attributes(model):
            covered = attr in KEPT.get(cls, {}) or attr in REFUSED.get(cls, {}) or (cls, attr) in NOT_SETTABLE
            assert covered, f"{cls.__name__}.{attr}: add it to KEPT or REFUSED in tests/io/test_hyperparameters.py"


@pytest.mark.parametrize(("cls", "attr", "value", "pattern"), list(_cases()))
def test_changed_hyperparameter_round_trips_or_is_refused_by_name(cls, attr, value, pattern, tmp_path):
    factory, shape = EXAMPLES[cls]
    dn.manual_seed(0)
    model = factory()
    assert frozen_value(getattr(model, attr)) != frozen_value(value), "the test must change the value"
    setattr(model, attr, value)
    path = tmp_path / "m.dnet"
    if pattern is not None:
        with pytest.raises(CheckpointError, match=pattern.format(attr=attr, cls=cls.__name__)) as caught:
            dn.save(model, path)
        assert attr in str(caught.value) or cls.__name__ in str(caught.value)
        assert not path.exists()
        return
    dn.save(model, path)
    loaded = dn.load(path)
    assert frozen_value(getattr(loaded, attr)) == frozen_value(value)
    assert attributes(loaded) == attributes(model) or cls in (nn.Dropout,)
    assert repr(loaded) == repr(model)
    if shape is None:  # no plain float input (an embedding, a loss): covered by test_roundtrip
        return
    model.eval(), loaded.eval()
    x = dn.tensor(np.random.default_rng(1).normal(size=shape).astype(np.float32))
    np.testing.assert_array_equal(loaded(x).data, model(x).data)


def test_changes_inside_containers_are_kept_and_refusals_name_the_path(tmp_path):
    model = nn.Sequential(nn.Linear(4, 4), nn.Sequential(nn.LeakyReLU(0.1), nn.Dropout(0.5)), nn.MaxPool1d(2))
    model[1][0].negative_slope = 0.25
    model[1][1].p = 0.0
    dn.save(model, tmp_path / "m.dnet")
    loaded = dn.load(tmp_path / "m.dnet")
    assert loaded[1][0].negative_slope == 0.25 and loaded[1][1].p == 0.0
    model[2].kernel_size = 4
    with pytest.raises(CheckpointError, match=r"layer '2' \(MaxPool1d\): attribute 'stride' is 2, but MaxPool1d"):
        dn.save(model, tmp_path / "m.dnet")


def test_a_second_save_sees_a_change_made_after_the_first(tmp_path):
    layer = nn.LeakyReLU(0.1)
    dn.save(layer, tmp_path / "a.dnet")
    layer.negative_slope = 0.4
    dn.save(layer, tmp_path / "b.dnet")
    assert dn.load(tmp_path / "a.dnet").negative_slope == 0.1
    assert dn.load(tmp_path / "b.dnet").negative_slope == 0.4
    layer.note = "trained on site B"
    with pytest.raises(CheckpointError, match=r"attribute 'note' = 'trained on site B' was set after construction"):
        dn.save(layer, tmp_path / "c.dnet")


def test_an_attribute_added_or_deleted_after_construction_is_refused(tmp_path):
    model = nn.Sequential(nn.Linear(2, 2), nn.ELU(0.5))
    model.classes = ["cat", "dog"]
    with pytest.raises(
        CheckpointError,
        match=r"the model \(Sequential\): attribute 'classes' = \['cat', 'dog'\] was set after construction .*"
        r"delete it before saving \(del model.classes\)",
    ):
        dn.save(model, tmp_path / "m.dnet")
    del model.classes
    del model[1].alpha
    with pytest.raises(CheckpointError, match=r"layer '1' \(ELU\): attribute 'alpha' was deleted after construction"):
        dn.save(model, tmp_path / "m.dnet")


def test_an_equal_value_of_another_type_is_no_change(tmp_path):
    layer = nn.LeakyReLU(0.0)
    layer.negative_slope = 0  # an int where the constructor stores 0.0
    dn.save(layer, tmp_path / "m.dnet")
    assert dn.load(tmp_path / "m.dnet").negative_slope == 0.0
    pool = nn.AdaptiveAvgPool2d((2, 2))
    pool.output_size = [3, 3]  # a list: saved as the tuple the constructor keeps
    dn.save(pool, tmp_path / "p.dnet")
    assert dn.load(tmp_path / "p.dnet").output_size == (3, 3)


def test_run_time_flags_and_private_attributes_are_not_saved(tmp_path):
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    model.stop_training = True  # what fit sets
    model._cache = object()
    model.eval()
    dn.save(model, tmp_path / "m.dnet")
    loaded = dn.load(tmp_path / "m.dnet")
    assert loaded.training and not hasattr(loaded, "stop_training") and not hasattr(loaded, "_cache")


def test_an_int_seed_set_after_construction_is_refused(tmp_path):
    layer = nn.Dropout2d(0.3)
    layer.rng = 5  # the constructor would turn a seed into a generator: another sequence of masks
    with pytest.raises(CheckpointError, match=r"Dropout2d\): attribute 'rng' is 5, but Dropout2d rebuilt"):
        dn.save(layer, tmp_path / "m.dnet")


def test_a_replaced_sub_module_argument_of_a_user_class_is_saved(tmp_path):
    model = Wrapper(2.0, Residual(3), head=nn.Linear(3, 1))
    model.head = nn.Linear(3, 2)
    model.scale = 0.5
    dn.save(model, tmp_path / "w.dnet")
    loaded = dn.load(tmp_path / "w.dnet")
    assert loaded.head.out_features == 2 and loaded.scale == 0.5
    x = dn.tensor(np.ones((2, 3), dtype=np.float32))
    np.testing.assert_array_equal(loaded(x).data, model(x).data)


def test_linear_surgery_with_matching_weights_round_trips(tmp_path):
    layer = nn.Linear(4, 3, rng=0)
    layer.weight = nn.Parameter(np.zeros((3, 6), dtype=np.float32))
    layer.in_features = 6
    dn.save(layer, tmp_path / "m.dnet")
    assert dn.load(tmp_path / "m.dnet").weight.shape == (3, 6)
    layer.in_features = 5
    with pytest.raises(CheckpointError, match=re.escape("weights differ at ['weight']")):
        dn.save(layer, tmp_path / "m.dnet")


def test_a_non_finite_hyperparameter_set_after_construction_is_refused_by_path(tmp_path):
    """On main the message was JSON's 'Out of range float values are not JSON compliant: nan',
    naming neither the layer nor the attribute."""
    model = nn.Sequential(nn.Linear(2, 2), nn.LeakyReLU(0.1))
    model[1].negative_slope = float("nan")
    with pytest.raises(
        CheckpointError, match=re.escape("the model's config holds layers.1.config.negative_slope = nan")
    ):
        dn.save(model, tmp_path / "m.dnet")
    norm = nn.BatchNorm1d(3)
    norm.eps = float("inf")
    with pytest.raises(CheckpointError, match=r"holds eps = inf, which a file cannot keep"):
        dn.save(norm, tmp_path / "m.dnet")
    assert not (tmp_path / "m.dnet").exists()


def test_return_indices_set_later_is_kept(tmp_path):
    pool = nn.AdaptiveMaxPool2d(2)
    pool.return_indices = True
    dn.save(pool, tmp_path / "p.dnet")
    loaded = dn.load(tmp_path / "p.dnet")
    x = dn.tensor(np.random.default_rng(0).normal(size=(1, 2, 4, 4)))
    (a, i), (b, j) = pool(x), loaded(x)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(i.data, j.data)
