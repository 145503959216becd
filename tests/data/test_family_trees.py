"""Hinton's family trees: 24 people, 12 relationships, 112 triples in 104 cases (the paper's 104)."""

import numpy as np

from deltanet.data import PEOPLE, RELATIONS, family_tree_cases, family_tree_triples, family_trees
from deltanet.data.family_trees import ENGLISH, ITALIAN


def test_counts():
    assert len(PEOPLE) == 24 and len(set(PEOPLE)) == 24 and len(RELATIONS) == 12
    triples = family_tree_triples()
    assert len(triples) == 112 and len(set(triples)) == 112
    cases = family_tree_cases()
    assert len(cases) == 104  # "(person 1, relationship)" pairs: the 104 of the paper
    assert sum(len(a) for _, _, a in cases) == 112
    per_relation = {r: sum(1 for _, rel, _ in triples if rel == r) for r in RELATIONS}
    assert per_relation == {
        "father": 12,
        "mother": 12,
        "husband": 10,
        "wife": 10,
        "son": 12,
        "daughter": 12,
        "uncle": 8,
        "aunt": 8,
        "brother": 6,
        "sister": 6,
        "nephew": 8,
        "niece": 8,
    }


def test_the_papers_example_and_some_facts():
    answers = {(a, r): set(b) for a, r, b in family_tree_cases()}
    assert answers[("Colin", "aunt")] == {"Jennifer", "Margaret"}  # "Colin has two aunts"
    assert answers[("Colin", "uncle")] == {"Arthur", "Charles"}
    assert answers[("Colin", "father")] == {"James"} and answers[("Colin", "mother")] == {"Victoria"}
    assert answers[("Victoria", "husband")] == {"James"} and answers[("Arthur", "wife")] == {"Margaret"}
    assert answers[("Penelope", "son")] == {"Arthur"} and answers[("Christine", "daughter")] == {"Jennifer"}
    assert answers[("Charlotte", "brother")] == {"Colin"}
    assert answers[("Margaret", "nephew")] == {"Colin"} and answers[("Charles", "niece")] == {"Charlotte"}
    assert answers[("Sophia", "aunt")] == {"Gina", "Angela"} and answers[("Alfonso", "uncle")] == {"Emilio", "Tomaso"}


def test_trees_are_isomorphic():
    to_italian = dict(zip(ENGLISH, ITALIAN, strict=True))
    triples = family_tree_triples()
    english = {t for t in triples if t[0] in ENGLISH}
    italian = {t for t in triples if t[0] in ITALIAN}
    assert {(to_italian[a], r, to_italian[b]) for a, r, b in english} == italian
    assert all(b in ENGLISH for a, _, b in english)  # no triple crosses the trees


def test_arrays():
    d = family_trees()
    assert d.X.shape == (104, 36) and d.y.shape == (104, 24)
    assert (d.X[:, :24].sum(1) == 1).all() and (d.X[:, 24:].sum(1) == 1).all()
    assert d.y.sum() == 112 and set(np.unique(d.y.sum(1))) == {1.0, 2.0}
    cases = family_tree_cases()
    i = next(k for k, (a, r, _) in enumerate(cases) if (a, r) == ("Colin", "aunt"))
    assert PEOPLE[int(d.X[i, :24].argmax())] == "Colin" and RELATIONS[int(d.X[i, 24:].argmax())] == "aunt"
    assert {PEOPLE[j] for j in np.flatnonzero(d.y[i])} == {"Jennifer", "Margaret"}
