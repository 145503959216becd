"""Hinton's two isomorphic family trees (Rumelhart, Hinton & Williams 1986, Fig. 2;
[Hosny et al.]).

The English tree (= marks a marriage; children below their parents):

```text
    Christopher = Penelope            Andrew = Christine
              |                               |
      ---------------                 ------------------
      |             |                 |                |
    Margaret = Arthur   Victoria = James       Jennifer = Charles
                                  |
                         -------------------
                         |                 |
                       Colin           Charlotte
```

The Italian tree has the same shape: Roberto = Maria (children Emilio, married to Gina, and
Lucia), Pierro = Francesca (children Marco, married to Lucia, and Angela, married to Tomaso),
and Lucia = Marco's children Alfonso and Sophia.

The twelve relationships are father, mother, husband, wife, son, daughter, uncle, aunt, brother,
sister, nephew, niece. A triple (person 1, relationship, person 2) reads "person 2 is the
relationship of person 1": (Colin, aunt, Jennifer). Uncles and aunts are the parents' siblings
and those siblings' spouses (the paper's Colin "has two aunts": Jennifer and Margaret).

**Counting.** The two trees hold 112 true triples (56 each). The network is asked to complete
(person 1, relationship) with every correct person 2, so triples that share their first two terms
form one *case* with two correct answers (Colin's two aunts, two uncles; Margaret's nephew Colin
and niece Charlotte are separate cases). There are 104 such cases, 52 per tree: the "104" of the
paper (which trained on 100 and tested on the other 4).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from deltanet.backend import check_dtype
from deltanet.data.datasets import DatasetBundle

ENGLISH = [
    "Christopher",
    "Penelope",
    "Andrew",
    "Christine",
    "Margaret",
    "Arthur",
    "Victoria",
    "James",
    "Jennifer",
    "Charles",
    "Colin",
    "Charlotte",
]
#: The Italian person at the same position as each English one (the trees are isomorphic).
ITALIAN = [
    "Roberto",
    "Maria",
    "Pierro",
    "Francesca",
    "Gina",
    "Emilio",
    "Lucia",
    "Marco",
    "Angela",
    "Tomaso",
    "Alfonso",
    "Sophia",
]
PEOPLE = ENGLISH + ITALIAN
RELATIONS = [
    "father",
    "mother",
    "husband",
    "wife",
    "son",
    "daughter",
    "uncle",
    "aunt",
    "brother",
    "sister",
    "nephew",
    "niece",
]

_MALE = {"Christopher", "Andrew", "Arthur", "James", "Charles", "Colin"}
#: (husband, wife) of the English tree.
_COUPLES = [
    ("Christopher", "Penelope"),
    ("Andrew", "Christine"),
    ("Arthur", "Margaret"),
    ("James", "Victoria"),
    ("Charles", "Jennifer"),
]
#: (father, mother) → children, oldest first as drawn.
_CHILDREN = {
    ("Christopher", "Penelope"): ["Arthur", "Victoria"],
    ("Andrew", "Christine"): ["James", "Jennifer"],
    ("James", "Victoria"): ["Colin", "Charlotte"],
}


def _english_triples() -> list[tuple[str, str, str]]:
    male = _MALE.__contains__
    spouse = {h: w for h, w in _COUPLES} | {w: h for h, w in _COUPLES}
    parents = {child: couple for couple, kids in _CHILDREN.items() for child in kids}

    def siblings(p: str) -> list[str]:
        return [k for k in _CHILDREN[parents[p]] if k != p] if p in parents else []

    triples = set()
    for p in ENGLISH:
        if p in spouse:
            triples.add((p, "wife" if male(p) else "husband", spouse[p]))
        if p in parents:
            father, mother = parents[p]
            triples.add((p, "father", father))
            triples.add((p, "mother", mother))
            for parent in parents[p]:
                for s in siblings(parent):
                    for relative in [s] + ([spouse[s]] if s in spouse else []):
                        triples.add((p, "uncle" if male(relative) else "aunt", relative))
                        triples.add((relative, "nephew" if male(p) else "niece", p))
        for couple, kids in _CHILDREN.items():
            if p in couple:
                for k in kids:
                    triples.add((p, "son" if male(k) else "daughter", k))
        for s in siblings(p):
            triples.add((p, "brother" if male(s) else "sister", s))
    return sorted(triples, key=lambda t: (PEOPLE.index(t[0]), RELATIONS.index(t[1]), PEOPLE.index(t[2])))


def family_tree_triples() -> list[tuple[str, str, str]]:
    """All 112 true triples (person 1, relationship, person 2) of both trees (56 English, then 56
    Italian).

    Examples:
        >>> from deltanet.data import family_tree_triples
        >>> triples = family_tree_triples()
        >>> len(triples), [t for t in triples if t[:2] == ("Colin", "aunt")]
        (112, [('Colin', 'aunt', 'Margaret'), ('Colin', 'aunt', 'Jennifer')])
    """
    english = _english_triples()
    to_italian = dict(zip(ENGLISH, ITALIAN))
    return english + [(to_italian[a], r, to_italian[b]) for a, r, b in english]


def family_tree_cases() -> list[tuple[str, str, list[str]]]:
    """The 104 cases (person 1, relationship, [every correct person 2]) of the two trees.

    Examples:
        >>> from deltanet.data import family_tree_cases
        >>> cases = family_tree_cases()
        >>> len(cases), sum(len(answers) == 2 for _, _, answers in cases)
        (104, 8)
    """
    cases: dict[tuple[str, str], list[str]] = {}
    for a, r, b in family_tree_triples():
        cases.setdefault((a, r), []).append(b)
    return [(a, r, answers) for (a, r), answers in cases.items()]


def family_trees(dtype: Any = np.float32) -> DatasetBundle:
    """The family-tree task as arrays: one-hot (person 1, relationship) in, every correct person 2 out.

    Args:
        dtype: the dtype of ``X`` and ``y``.

    Returns:
        A ``DatasetBundle`` with ``X`` (104, 36): columns 0-23 one-hot person 1 (in the order
        of ``PEOPLE``), columns 24-35 one-hot relationship (``RELATIONS``); ``y`` (104, 24): 1 for
        each correct person 2; ``feature_names`` (the 24 people, then the 12 relationships) and
        ``target_names`` (the 24 people).

    Examples:
        >>> from deltanet.data import family_trees
        >>> data = family_trees()
        >>> data.X.shape, data.y.shape, int(data.y.sum())
        ((104, 36), (104, 24), 112)
    """
    dtype = np.dtype(dtype)
    check_dtype(dtype)
    cases = family_tree_cases()
    X = np.zeros((len(cases), len(PEOPLE) + len(RELATIONS)), dtype=dtype)
    y = np.zeros((len(cases), len(PEOPLE)), dtype=dtype)
    for i, (a, r, answers) in enumerate(cases):
        X[i, PEOPLE.index(a)] = 1
        X[i, len(PEOPLE) + RELATIONS.index(r)] = 1
        for b in answers:
            y[i, PEOPLE.index(b)] = 1
    return DatasetBundle(
        X=X,
        y=y,
        feature_names=PEOPLE + RELATIONS,
        target_names=list(PEOPLE),
        description=__doc__.split("\n\n")[0] + f" {len(cases)} cases, {int(y.sum())} triples.",
    )


__all__ = ["ENGLISH", "ITALIAN", "PEOPLE", "RELATIONS", "family_tree_cases", "family_tree_triples", "family_trees"]
