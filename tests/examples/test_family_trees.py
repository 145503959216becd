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
