"""``torch.distributed`` on two ranks under ``mpiexec -n 2`` (``mpi_torch_api.py``): joining the
group, the collectives, ``DistributedDataParallel``, ``DistributedSampler``."""

import json

import numpy as np
import pytest
from tests.distributed.launch import run


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    out = tmp_path_factory.mktemp("torch_api")
    done = run("mpi_torch_api.py", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    return [json.loads((out / f"rank{r}.json").read_text()) for r in range(2)]


def test_joining_the_group(ranks):
    for r, found in enumerate(ranks):
        assert found["bad_rank"][0] == "ValueError" and "launch the script with mpiexec" in found["bad_rank"][1]
        assert found["torchrun_env"][0] == "ValueError" and "WORLD_SIZE=7 (torchrun's)" in found["torchrun_env"][1]
        assert found["twice"] == ["ValueError", "trying to initialize the default process group twice!"]
        assert found["who"] == [r, 2, "gloo", True, 2, r]
        assert found["subgroup"][0] == "NotImplementedError"
        assert found["after_destroy"][0] is False and "has not been initialized" in found["after_destroy"][1][1]
        assert found["again"] == [True, "mpi"]


def test_collectives_match_pytorch(ranks):
    for r, found in enumerate(ranks):
        assert found["sum"] == [[1.0, 3.0, 5.0, 7.0], True, "float32"]  # in place; the version goes up
        assert found["max_transposed"] == [[0.0, 6.0], [2.0, 8.0], [4.0, 10.0]]  # a non-contiguous tensor
        assert found["int_product"] == [[6], "int64"]
        assert found["avg"] == [0.5, 0.5, 0.5]
        assert found["int_avg"][0] == "RuntimeError" and "ReduceOp.AVG" in found["int_avg"][1]
        assert found["op_string"][0] == "TypeError"
        assert found["work"] == [True, True]
        assert "modified by an inplace operation" in found["saved_changed"][1]
        assert found["broadcast"] == [1.0, 1.0]
        assert found["all_gather"] == [[0.0, 0.0], [1.0, 1.0]]
        assert found["into_tensor"] == [[0.0, 0.0, 1.0, 1.0], [[0.0, 0.0], [1.0, 1.0]]]
        assert found["into_wrong_size"][0] == "ValueError"
        assert found["reduce"] == ([3.0, 3.0] if r == 0 else [2.0, 2.0])  # only dst receives
        assert found["gather"] == ([[0.0, 0.0], [1.0, 1.0]] if r == 0 else None)
        assert found["scatter"] == [r + 1.0, r + 1.0]
        assert found["bad_src"][0] == "ValueError"


def test_ddp_averages_gradients_from_rank_zeros_weights(ranks):
    assert ranks[0]["weights_0"] == ranks[1]["weights_0"]  # seeded apart, broadcast at construction
    for found in ranks:
        assert found["ddp_grad_error"] < 1e-12  # the mean of the shares' gradients = the full batch's
        assert found["unused"] == [[0.5], [0.5], True]  # used on one rank: mean with zero; on none: None
        assert found["device_ids"][0] == "ValueError"
        assert found["buffers"][1] == [0.0, 0.0]  # rank 0's running statistics at the next forward
    assert ranks[1]["buffers"][0] != ranks[0]["buffers"][0]
    local = np.array(ranks[0]["no_sync_local"]) + np.array(ranks[1]["no_sync_local"])
    assert not np.allclose(ranks[0]["no_sync_local"], ranks[1]["no_sync_local"])  # no_sync: not averaged
    for found in ranks:  # then the synchronized pass averages the accumulated sum: mean of 2 g_r
        np.testing.assert_allclose(found["no_sync_after"], local, rtol=1e-12)
        np.testing.assert_allclose(found["armed"], local / 2, rtol=1e-12)
        np.testing.assert_allclose(found["direct"], found["no_sync_local"], rtol=1e-12)
        np.testing.assert_allclose(found["deepcopy"][0], local / 2, rtol=1e-12)
        assert found["deepcopy"][1]


def test_the_sampler_takes_the_world_from_the_group(ranks):
    assert ranks[0]["sampler"] == [[0, 2, 4, 6], 4]
    assert ranks[1]["sampler"] == [[1, 3, 5, 0], 4]


def test_objects_booleans_point_to_point_and_the_rest(ranks):
    for r, found in enumerate(ranks):
        assert found["bool"] == [[False, True], [True, False], "bool"]  # PyTorch's (gloo) results
        assert found["all_gather_object"] == [
            {"rank": 0, "loss": 0.0, "name": "r0"},
            {"rank": 1, "loss": 0.5, "name": "r1"},
        ]
        assert found["broadcast_object_list"] == [{"lr": 0.1}, "x", 3]
        assert found["tuple_refused"][0] == "TypeError" and "would arrive changed as JSON" in found["tuple_refused"][1]
        assert found["array_refused"][0] == "TypeError" and "never pickle" in found["array_refused"][1]
        assert found["reduce_scatter_tensor"] == ([0.0, 3.0] if r == 0 else [6.0, 9.0])
        assert found["recv"] == ([0.0, 0.0, 0.0] if r == 0 else [1.0, 2.0, 3.0])
        assert found["local_rank"] == r  # both ranks on this machine
        assert found["backend_names"] == [True, 1]
        assert found["join"][0] == "NotImplementedError"
        assert found["barrier"] == [None, True, None]
        assert found["spawn"][0] == [r] and "mpiexec -n 3 python" in found["spawn"][1][1]
    assert ranks[1]["recv_from"] == 0
