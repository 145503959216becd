"""[Suk 2015]'s "deeper network with much fewer total neurons": the tent map composed k times is
exact with k layers of 2 ReLU units; every one-hidden-layer network with as many parameters has a
floor on its error, and the shallow one built here needs 2^k units to match."""

import re

import numpy as np
import pytest

import deltanet as dn
from deltanet.examples import deep_vs_shallow as dvs


@pytest.fixture(scope="module")
def printed():
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert dvs.main(["--quick"]) == 0
    return out.getvalue()


def test_the_printed_table_supports_the_claim(printed):
    """Deep error below shallow error at equal or fewer parameters, read from the printout."""
    rows = re.findall(r"^  (deep|shallow): .*?\s+(\d+)\s+(\d+)\s+([0-9.e+-]+)\s+(?:= 0|≥ ([0-9.]+))$", printed, re.M)
    deep = [(int(u), int(p), float(e)) for kind, u, p, e, _ in rows if kind == "deep"]
    shallow = [(int(u), int(p), float(e), float(b)) for kind, u, p, e, b in rows if kind == "shallow"]
    assert deep == [(12, 37, 0.0)] and len(shallow) == 5
    _, deep_params, deep_error = deep[0]
    for units, params, error, bound in shallow:
        assert params == 3 * units + 1 and error >= bound - 1e-3  # the built network respects the floor
        if params >= deep_params and units < 63:
            assert error > deep_error + 0.003 and error > 0.003
    assert "needs 64 units and 193 parameters: 5.3 times the units (any shallow network: at least 63)" in printed
    assert "its test MSE is at least 0.052" in printed


def test_the_deep_network_is_the_tent_map_composed():
    x = np.random.default_rng(0).uniform(0, 1, (500, 1))
    for k in (1, 2, 5):
        net = dvs.deep_network(k)
        np.testing.assert_allclose(dn.predict(net, x), dvs.sawtooth(x, k), atol=1e-12)
        assert dvs.parameters(net) == 6 * k + 1
    # one tent: t(x) = 2 relu(x) - 4 relu(x - 1/2) = 2 min(x, 1 - x) on [0, 1]
    assert dvs.sawtooth(np.array([0.3, 0.8]), 1).tolist() == pytest.approx([0.6, 0.4])


def test_the_shallow_floor_holds_for_trained_networks_too():
    """The floor is a theorem: a shallow network of 6 units trained by gradient descent on f_4
    (8 teeth) stays above (1 - 6/8)/12."""
    X = np.linspace(0, 1, 257)[:, None]
    y = dvs.sawtooth(X, 4)
    dn.manual_seed(0)
    net = dn.nn.Sequential(dn.nn.Linear(1, 6, dtype="float64"), dn.nn.ReLU(), dn.nn.Linear(6, 1, dtype="float64"))
    dn.fit(net, X, y, "mse", dn.optim.Adam(net.parameters(), lr=0.02), epochs=300, batch_size=None, monitor=False)
    assert dvs.mse(net, X, y) >= dvs.shallow_bound(6, 4) - 1e-3
    assert dvs.shallow_bound(8, 4) == 0 and dvs.shallow_bound(6, 4) == pytest.approx(1 / 48)


def test_training_part_and_options(capsys, tmp_path):
    result = dvs.run(k=3, epochs=20, verbose=0)
    assert set(result["trained"]) == {"deep", "shallow"} and result["units_to_match"] == 8
    assert dvs.main(["--quick", "--k", "11"]) == 1
    assert "k must be an integer from 1 to 10, got 11" in capsys.readouterr().err
    pytest.importorskip("matplotlib")
    assert dvs.main(["--quick", "--quiet", "--k", "3", "--plot", str(tmp_path / "d.png")]) == 0
    assert (tmp_path / "d.png").stat().st_size > 1000
