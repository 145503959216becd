"""torch.nn.utils by PyTorch's import paths (clip_grad, convert_parameters, fusion, init,
memory_format, stateless, prune) and rnn's invert_permutation."""

from __future__ import annotations

import numpy as np
import pytest

import deltanet as dn


def test_pytorchs_import_paths_of_nn_utils():
    from deltanet.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
    from deltanet.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters
    from deltanet.nn.utils.fusion import fuse_conv_bn_eval
    from deltanet.nn.utils.init import skip_init
    from deltanet.nn.utils.memory_format import convert_conv2d_weight_memory_format
    from deltanet.nn.utils.stateless import functional_call

    utils = dn.nn.utils
    assert clip_grad_norm_ is utils.clip_grad_norm_ and clip_grad_value_ is utils.clip_grad_value_
    assert parameters_to_vector is utils.parameters_to_vector and vector_to_parameters is utils.vector_to_parameters
    assert fuse_conv_bn_eval is utils.fuse_conv_bn_eval and skip_init is utils.skip_init
    assert convert_conv2d_weight_memory_format is utils.convert_conv2d_weight_memory_format
    assert functional_call is utils.stateless.functional_call and utils.prune.l1_unstructured


def test_invert_permutation_as_pytorch():
    from deltanet.nn.utils.rnn import invert_permutation

    p = np.random.default_rng(4).permutation(7)
    out = invert_permutation(dn.tensor(p))
    assert out.dtype == np.int64 and out.numpy()[p].tolist() == list(range(7))
    assert invert_permutation(None) is None
    with pytest.raises(ValueError, match="expected a 1-D integer tensor"):
        invert_permutation(dn.tensor([[1, 0]]))
    torch = pytest.importorskip("torch")
    expected = torch.nn.utils.rnn.invert_permutation(torch.from_numpy(p)).tolist()
    assert out.tolist() == expected
