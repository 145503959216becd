"""A figure returned by deltanet.plot shows as a picture in Jupyter, through IPython's own formatter.

The figures are made without pyplot, so IPython has no printer registered for them; they carry
``_repr_png_``. ``DisplayFormatter().format(fig)`` is what a notebook cell does with its value.
"""

import numpy as np
import pytest

pytest.importorskip("matplotlib")
formatters = pytest.importorskip("IPython.core.formatters")

import deltanet as dn  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def test_a_returned_figure_displays_as_png() -> None:
    fig = dn.plot.activation_functions(["relu", "tanh"])
    data, _ = formatters.DisplayFormatter().format(fig)
    assert data["image/png"][:8] == PNG
    assert data["text/plain"].startswith("<Figure size")  # the text form stays matplotlib's
    from matplotlib.figure import Figure

    assert isinstance(fig, Figure)


def test_every_kind_of_figure_displays() -> None:
    history = {"loss": [1.0, 0.5, 0.25], "val_loss": [1.1, 0.6, 0.4]}
    X = np.random.default_rng(0).standard_normal((20, 2))
    model = dn.nn.Linear(2, 2)
    figures = [
        dn.plot.learning_curves(history),
        dn.plot.decision_boundary(model, X, np.arange(20) % 2),
        dn.plot.confusion_matrix([0, 1, 1, 0], [0, 1, 0, 0]),
        dn.plot.weight_bias_effect(),
    ]
    for fig in figures:
        assert formatters.DisplayFormatter().format(fig)[0]["image/png"][:8] == PNG
