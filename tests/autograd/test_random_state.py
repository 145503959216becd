"""get_rng_state / set_rng_state (uint8 bytes, no pickle), default_generator, initial_seed, seed,
fork_rng and ``deltanet.random`` as PyTorch's ``torch.random``."""

import numpy as np
import pytest

import deltanet as dn


def test_set_rng_state_replays_the_draws():
    dn.manual_seed(11)
    state = dn.get_rng_state()
    assert state.dtype == dn.uint8 and state.ndim == 1
    first = (dn.rand(3), dn.randn(2, 2), dn.randint(0, 9, (4,)), dn.nn.Dropout(0.5)(dn.ones(8)))
    dn.manual_seed(99)
    dn.set_rng_state(state)
    again = (dn.rand(3), dn.randn(2, 2), dn.randint(0, 9, (4,)), dn.nn.Dropout(0.5)(dn.ones(8)))
    for a, b in zip(first, again, strict=True):
        assert dn.equal(a, b)
    assert dn.initial_seed() == 11


def test_state_mid_stream_keeps_numpys_cached_half_word():
    dn.manual_seed(0)
    dn.backend.get_rng().integers(0, 10, dtype=np.int32)  # leaves a cached 32-bit half
    state = dn.get_rng_state()
    expected = dn.backend.get_rng().integers(0, 10, 5, dtype=np.int32)
    dn.set_rng_state(state)
    assert dn.backend.get_rng().integers(0, 10, 5, dtype=np.int32).tolist() == expected.tolist()


def test_the_state_is_a_copy():
    dn.manual_seed(1)
    state = dn.get_rng_state()
    dn.rand(5)
    assert dn.equal(state, (dn.manual_seed(1), dn.get_rng_state())[1])


def test_default_generator_is_the_default():
    assert dn.manual_seed(3) is dn.default_generator
    dn.default_generator.manual_seed(0)
    a = dn.randn(4)
    dn.manual_seed(0)
    assert dn.equal(a, dn.randn(4))
    assert dn.default_generator.initial_seed() == 0
    assert dn.random.default_generator is dn.default_generator
    g_state = dn.default_generator.get_state()
    b = dn.rand(2)
    dn.default_generator.set_state(g_state)
    assert dn.equal(b, dn.rand(2))
    dn.default_generator.set_state(dn.get_rng_state())  # PyTorch's bytes work on the generator too


def test_seed_and_initial_seed():
    s = dn.seed()
    assert isinstance(s, int) and dn.initial_seed() == s
    assert 0 <= s < 2**64
    dn.manual_seed(5)
    assert dn.initial_seed() == 5


def test_fork_rng_restores_the_state_even_after_an_error():
    dn.manual_seed(0)
    expected = dn.rand(3)
    dn.manual_seed(0)
    with pytest.raises(KeyError):
        with dn.random.fork_rng():
            dn.rand(50)
            raise KeyError("inside")
    assert dn.equal(dn.rand(3), expected)
    dn.manual_seed(0)
    with dn.random.fork_rng(enabled=False):
        dn.rand(3)
    assert not dn.equal(dn.rand(3), expected)
    with pytest.raises(ValueError, match=r"fork_rng: deltanet has no GPU generators to fork"):
        with dn.random.fork_rng(devices=[0]):
            pass


def test_module_aliases_import_like_pytorchs():
    import deltanet.random
    import deltanet.testing
    from deltanet.random import fork_rng, get_rng_state, manual_seed

    assert deltanet.random is dn.random and deltanet.testing is dn.testing
    assert fork_rng is dn.fork_rng and get_rng_state is dn.get_rng_state and manual_seed is dn.manual_seed


@pytest.mark.parametrize(
    "state, exc, match",
    [
        ([1, 2], TypeError, r"set_rng_state: new_state must be the uint8 tensor .*got list"),
        (dn.zeros(3), ValueError, r"must be the 1-D uint8 tensor .*got dtype float32"),
        (dn.zeros(3, dtype=dn.uint8), ValueError, r"must be the 62 bytes .*got 3 bytes"),
        (dn.zeros((2, 3), dtype=dn.uint8), ValueError, r"got a uint8 array of shape \(2, 3\)"),
    ],
)
def test_a_wrong_state_is_refused(state, exc, match):
    before = dn.get_rng_state()
    with pytest.raises(exc, match=match):
        dn.set_rng_state(state)
    assert dn.equal(dn.get_rng_state(), before)


def test_a_damaged_or_foreign_state_is_refused():
    state = dn.get_rng_state().numpy().copy()
    state[0] ^= 1
    with pytest.raises(ValueError, match=r"deltanet's own format"):
        dn.set_rng_state(state)
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=r"torch.get_rng_state\(\) cannot be read"):
        dn.set_rng_state(dn.tensor(torch.get_rng_state().numpy()))
