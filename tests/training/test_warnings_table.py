"""The table of warnings: every kind has its class, every message its numbers, every check its row."""

import math
import string
import warnings

import numpy as np
import pytest

from deltanet.training import monitor, warnings_table
from deltanet.training import monitor_checks as checks
from deltanet.training.warnings_table import (
    CATEGORIES,
    KINDS,
    DeltanetWarning,
    lr_hint,
    markdown_table,
    render,
)


def test_every_kind_has_its_public_class():
    assert set(CATEGORIES) == set(KINDS)
    for kind, row in KINDS.items():
        cls = CATEGORIES[kind]
        assert cls.__name__ == row.category and cls.kind == kind
        assert issubclass(cls, DeltanetWarning) and issubclass(cls, UserWarning)
        assert getattr(monitor, row.category) is cls  # users import them from deltanet.training.monitor
        assert row.category in monitor.__all__
        assert cls.__doc__.startswith(row.summary) and row.rule in cls.__doc__.replace("\n", " ")


def test_a_users_own_subclass_and_a_misnamed_kind():
    class MyAdvice(DeltanetWarning):
        pass

    assert MyAdvice.kind is None
    with pytest.raises(TypeError, match="the warning of kind 'dead' is called DeadUnitsWarning, not Dead"):

        class Dead(DeltanetWarning, kind="dead"):
            pass

    assert CATEGORIES["dead"] is warnings_table.DeadUnitsWarning


def test_filtering_one_kind_leaves_the_others():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=warnings_table.DeadUnitsWarning)
        warnings_table.issue("dead", "dead units")
        warnings_table.issue("metric_collapse", "the Dice collapsed")
    assert [w.category for w in caught] == [warnings_table.MetricCollapseWarning]


def all_findings():
    """One finding of every (kind, message case), made by the checks themselves."""
    softmax = np.full((4, 2), 0.5)
    stats = {"1": {"type": "ReLU", "dead_fraction": 1.0, "fraction_saturated": 0.9, "units": 4}}
    found = [
        checks.check_nonfinite_loss(math.nan, None),
        checks.check_nonfinite_parameters([("0.weight", np.array([np.inf]))]),
        checks.Finding("nonfinite", {"text": "the loss became nan at epoch 3/5, step 5/8."}, case="step"),
        checks.check_diverging([1.0, 2.0, 3.0, 4.0], 3),
        checks.check_overfitting([1.0, 0.5, 0.9, 0.9, 0.9, 0.9, 0.9], [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4], 5, 0.02),
        checks.check_metric_collapse("val_dice_score", [0.12, 0.31, 0.47, 0.07, 0.07], 0.5, 2),
        checks.check_metric_collapse("val_mse", [1.0, 0.2, 0.7, 0.8], 0.5, 2),
        checks.check_vanishing({"0": 0.0, "2": 1.0}, 1000),
        checks.check_vanishing({"0": 1e-6, "2": 1.0}, 1000),
        *checks.check_dead_units(stats, 0.5),
        *checks.check_saturation(stats, ["1"], 0.5),
        *checks.check_symmetric([("0", 8)]),
        checks.check_output_activation("Softmax", "CrossEntropy", softmax),
        checks.check_output_activation("Linear", "CrossEntropy", softmax),
        checks.check_output_activation("LogSoftmax", "CrossEntropy", None),
        checks.check_output_activation("Softmax", "NLLLoss", None),
        checks.check_output_activation("Sigmoid", "BCEWithLogitsLoss", None),
    ]
    assert None not in found
    return found


def test_every_message_of_the_table_is_made_by_a_check():
    made = {(f.kind, f.case) for f in all_findings()}
    assert made == {(kind, case) for kind, row in KINDS.items() for case in row.messages}


@pytest.mark.parametrize("finding", all_findings(), ids=lambda f: f"{f.kind}-{f.case}")
def test_every_message_and_advice_renders_from_the_checks_numbers(finding):
    # What the Monitor adds to a finding's numbers: the epoch, the layer and its type, the
    # learning rate, and for the overfitting advice the run's EarlyStopping.
    context = {"epoch": 7, "layer": finding.layer, "type": "Linear", "lr_hint": lr_hint(0.1)}
    context.update(watched="loss", patience=5)
    advice_cases = KINDS[finding.kind].advice if finding.kind == "overfitting" else [None]
    for advice_case in advice_cases:
        message, advice = render(finding.kind, finding.case, {**context, **finding.values}, advice_case)
        assert message.endswith(".") and advice.endswith(".")
        assert "{" not in message + advice


def test_templates_use_only_known_fields():
    formatter = string.Formatter()
    for row in KINDS.values():
        for template in [*row.messages.values(), *row.advice.values()]:
            fields = {name for _, name, _, _ in formatter.parse(template) if name}
            assert all(name.isidentifier() for name in fields), (row.kind, fields)


def test_the_learning_rate_hint():
    assert lr_hint(1.5) == " (lr=1.5); try lr=0.15"
    assert lr_hint(None) == "; try a learning rate 10 times smaller"


def test_the_rules_table_is_in_the_module_documentation():
    table = markdown_table()
    for row in KINDS.values():
        assert f"``{row.category}``" in table and row.rule in table
    assert table in warnings_table.__doc__
