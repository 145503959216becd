"""The family-tree network: 104 cases from 112 triples, the paper's architecture, training accuracy."""

import numpy as np
import pytest

import deltanet as dn
from deltanet.data import PEOPLE, family_tree_cases
from deltanet.examples import family_trees


@pytest.fixture(scope="module")
def result():
    return family_trees.run(quick=True, verbose=0)


def test_counts_and_training_accuracy(result):
    assert result["n_cases"] == 104 and result["n_triples"] == 112
    assert result["train_accuracy"] >= 0.9  # 97 % after the quick 800 epochs, 100 % after 2,500
    assert result["codes"].shape == (24, 6)


def test_held_out_cases_are_single_answer_cases_not_trained_on():
    train, test = family_trees.split_cases(0)
    cases = family_tree_cases()
    assert len(test) == 4 and len(train) == 100 and not set(train) & set(test)
    assert all(len(cases[i][2]) == 1 for i in test)


def test_architecture():
    net = family_trees.FamilyTreeNet()
    shapes = {name: p.shape for name, p in net.named_parameters() if name.endswith("weight")}
    assert shapes == {
        "person.weight": (6, 24),
        "relation.weight": (6, 12),
        "central.weight": (12, 12),
        "penultimate.weight": (6, 12),
        "out.weight": (24, 6),
    }
    # the person code depends only on the 24 person inputs, the relation code only on the 12 others
    x = np.zeros((1, 36), dtype=np.float32)
    x2 = x.copy()
    x2[0, 30] = 1.0  # a relationship unit
    with dn.no_grad():
        assert np.array_equal(net.person(dn.tensor(x[:, :24])).data, net.person(dn.tensor(x2[:, :24])).data)
        assert not np.array_equal(net(dn.tensor(x)).data, net(dn.tensor(x2)).data)


def test_top_k_correct():
    y = np.zeros((2, 24))
    y[0, [3, 5]] = 1
    y[1, 7] = 1
    out = np.zeros((2, 24))
    out[0, [5, 3]] = [2.0, 1.0]
    out[1, [7, 8]] = [1.0, 2.0]
    assert family_trees.top_k_correct(y, out) == 0.5


def test_answers_name_people(result):
    for a, _r, truth, guess in result["answers"]:
        assert a in PEOPLE and truth in PEOPLE and guess in PEOPLE


def test_the_papers_error_ignores_outputs_close_enough():
    z = dn.tensor(np.log([[0.85 / 0.15, 0.7 / 0.3, 0.15 / 0.85, 0.3 / 0.7]]), requires_grad=True)
    d = dn.tensor([[1.0, 1.0, 0.0, 0.0]])
    e = family_trees.paper_error(z, d)
    assert e.item() == pytest.approx(0.5 * (0.3**2 + 0.3**2))  # 0.85 (on) and 0.15 (off) count as right
    e.backward()
    assert z.grad.data[0, 0] == 0 and z.grad.data[0, 2] == 0
    # dE/dz = (y - d) y (1 - y) where the error counts
    assert z.grad.data[0, 1] == pytest.approx((0.7 - 1) * 0.7 * 0.3)
    assert z.grad.data[0, 3] == pytest.approx(0.3 * 0.3 * 0.7)


def test_the_papers_schedule_is_its_momentum_rule_exactly():
    """Delta w(t) = -eps_t dE/dw + alpha_t Delta w(t-1), (0.005, 0.5) for 20 sweeps then (0.01, 0.9),
    every weight times 0.998 after each change, against a NumPy loop across the switch."""
    model = dn.nn.Sequential(dn.nn.Linear(1, 1, bias=False, dtype="float64"))
    model[0].weight.data[...] = 2.0
    opt = dn.optim.SGD(model.parameters(), lr=0.005, momentum=0.5)
    X, y = np.array([[1.5]]), np.array([[0.0]])
    dn.fit(
        model,
        X,
        y,
        lambda out, t: 0.5 * ((out - t) ** 2).sum(),
        opt,
        epochs=23,
        batch_size=None,
        callbacks=[family_trees.PaperSchedule(opt)],
        monitor=False,
    )
    w, dw = 2.0, 0.0
    for t in range(23):
        eps, alpha = (0.005, 0.5) if t < 20 else (0.01, 0.9)
        dw = -eps * (w * 1.5) * 1.5 + alpha * dw
        w = (w + dw) * 0.998
    assert model[0].weight.data[0, 0] == pytest.approx(w, rel=1e-12)
    assert opt.param_groups[0]["lr"] == 0.01 and opt.param_groups[0]["momentum"] == 0.9


def test_paper_setup_over_seeds_and_bad_setup(capsys):
    result = family_trees.run(quick=True, setup="paper", epochs=30, seeds=2, verbose=0)
    assert result["setup"] == "paper" and [r["seed"] for r in result["over_seeds"]] == [0, 1]
    assert all(0 <= r["held_out_right"] <= 4 for r in result["over_seeds"])
    assert result["summary"].startswith("family-trees (paper): 104 cases") and "over 2 seeds" in result["summary"]
    assert family_trees.main(["--quick", "--setup", "keras"]) == 1
    assert "setup must be one of 'modern', 'paper', got 'keras'" in capsys.readouterr().err
