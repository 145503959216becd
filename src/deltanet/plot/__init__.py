"""Layer 7: figures for babysitting training and for the lectures (the ``plot`` extra).

matplotlib is imported on the first call, never on ``import deltanet.plot``; without it a call
raises an ImportError naming ``pip install 'deltanet[plot]'``. Every function returns a
``matplotlib.figure.Figure`` (drawn on Agg, without pyplot, so no window opens) and saves it
when given ``path=``.

- training: ``learning_curves``, ``gradient_flow``, ``activation_histograms``,
  ``lr_find``, ``sweep``;
- the seeds' figures: ``activation_functions`` (with derivatives),
  ``weight_bias_effect``;
- data: ``decision_boundary``, ``confusion_matrix``, ``segmentation_overlay``,
  ``filters``.
"""

from deltanet.plot._figure import to_png
from deltanet.plot.data_plots import confusion_matrix, decision_boundary, filters, segmentation_overlay
from deltanet.plot.seeds_figures import activation_functions, weight_bias_effect
from deltanet.plot.training_plots import activation_histograms, gradient_flow, learning_curves, lr_find, sweep

__all__ = [
    "activation_functions",
    "activation_histograms",
    "confusion_matrix",
    "decision_boundary",
    "filters",
    "gradient_flow",
    "learning_curves",
    "lr_find",
    "segmentation_overlay",
    "sweep",
    "to_png",
    "weight_bias_effect",
]
