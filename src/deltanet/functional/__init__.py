"""Layer 3: the neural-network operations, one ``Function`` per primitive, with hand-written
backward rules that follow the delta equations of the seeds.

``import deltanet.functional as F`` gives every op under one name, as ``torch.nn.functional``.
"""

from deltanet.functional.activations import (
    elu,
    gelu,
    glu,
    identity,
    leaky_relu,
    log_softmax,
    prelu,
    relu,
    sigmoid,
    silu,
    softmax,
    softmin,
    softplus,
    step,
    tanh,
)
from deltanet.functional.adaptive_max_pool import adaptive_max_pool1d, adaptive_max_pool2d, adaptive_max_pool3d
from deltanet.functional.affine_grid import affine_grid
from deltanet.functional.attention import scaled_dot_product_attention
from deltanet.functional.batchnorm import batch_norm
from deltanet.functional.channel_shuffle import channel_shuffle
from deltanet.functional.conv import (
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
)
from deltanet.functional.ctc_loss import ctc_loss
from deltanet.functional.dice import dice_loss, generalized_wasserstein_dice_loss
from deltanet.functional.distance import bilinear, pairwise_distance
from deltanet.functional.dropout import dropout, dropout2d, dropout3d
from deltanet.functional.dropout_variants import alpha_dropout, dropout1d, feature_alpha_dropout
from deltanet.functional.embedding import embedding, one_hot
from deltanet.functional.embedding_bag import embedding_bag
from deltanet.functional.embedding_losses import (
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    soft_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from deltanet.functional.fold import fold, unfold
from deltanet.functional.grid_sample import grid_sample
from deltanet.functional.gumbel_softmax import gumbel_softmax
from deltanet.functional.kl_div import kl_div
from deltanet.functional.likelihood_losses import gaussian_nll_loss, poisson_nll_loss
from deltanet.functional.linear import linear
from deltanet.functional.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    huber_loss,
    l1_loss,
    log_cosh_loss,
    mse_loss,
    multi_margin_loss,
    nll_loss,
    smooth_l1_loss,
)
from deltanet.functional.lp_pool import lp_pool1d, lp_pool2d, lp_pool3d
from deltanet.functional.lrn import local_response_norm
from deltanet.functional.max_unpool import max_unpool1d, max_unpool2d, max_unpool3d
from deltanet.functional.multi_head_attention import multi_head_attention_forward
from deltanet.functional.normalization import group_norm, instance_norm, layer_norm
from deltanet.functional.padding import pad
from deltanet.functional.pdist import pdist
from deltanet.functional.piecewise_activations import (
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    relu6,
    rrelu,
    softshrink,
    threshold,
)
from deltanet.functional.pixel_shuffle import pixel_shuffle, pixel_unshuffle
from deltanet.functional.pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    global_avg_pool,
    max_pool1d,
    max_pool2d,
    max_pool3d,
)
from deltanet.functional.rms_norm import rms_norm
from deltanet.functional.smooth_activations import celu, logsigmoid, mish, selu, softsign, tanhshrink
from deltanet.functional.upsample import interpolate, upsample

__all__ = [
    "alpha_dropout",
    "dropout1d",
    "feature_alpha_dropout",
    "gumbel_softmax",
    "rms_norm",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "dropout2d",
    "dropout3d",
    "elu",
    "embedding",
    "gelu",
    "group_norm",
    "hinge_loss",
    "huber_loss",
    "identity",
    "instance_norm",
    "interpolate",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_cosh_loss",
    "log_softmax",
    "mse_loss",
    "multi_margin_loss",
    "nll_loss",
    "one_hot",
    "pad",
    "pixel_shuffle",
    "pixel_unshuffle",
    "prelu",
    "relu",
    "sigmoid",
    "silu",
    "softmax",
    "smooth_l1_loss",
    "softplus",
    "step",
    "tanh",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "global_avg_pool",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "upsample",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "affine_grid",
    "channel_shuffle",
    "fold",
    "grid_sample",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
    "unfold",
    "dice_loss",
    "generalized_wasserstein_dice_loss",
    "local_response_norm",
    "glu",
    "softmin",
    "bilinear",
    "pairwise_distance",
    "pdist",
    "embedding_bag",
    "cosine_embedding_loss",
    "hinge_embedding_loss",
    "margin_ranking_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
    "gaussian_nll_loss",
    "poisson_nll_loss",
    "ctc_loss",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "relu6",
    "rrelu",
    "softshrink",
    "threshold",
    "celu",
    "logsigmoid",
    "mish",
    "selu",
    "softsign",
    "tanhshrink",
    "scaled_dot_product_attention",
    "multi_head_attention_forward",
]
