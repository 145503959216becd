"""Layer 8: the worked examples of the seeds as runnable, tested programs.

Each example is a module with ``run(quick=False, ...)`` (returns a dict of results, for tests)
and ``main(argv)`` (the command line: ``--quick``, ``--plot out.png``, ``--seed``, ``--quiet``).
``deltanet examples list`` shows them and ``deltanet examples run NAME`` runs one; so does
``python -m deltanet.examples.MODULE``.

Examples:
    >>> from deltanet import examples
    >>> examples.EXAMPLES["tumor"].deck
    'Ibragimov'
    >>> len(examples.EXAMPLES)
    23
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import NamedTuple


class Example(NamedTuple):
    """A registered example: its module, the deck it comes from, and what it shows.

    Attributes:
        module: the example's module, e.g. ``"deltanet.examples.tumor"``.
        deck: the lecture deck (and paper) it comes from.
        description: one line on what it shows (``deltanet examples list`` prints it).

    Examples:
        >>> from deltanet.examples import EXAMPLES
        >>> EXAMPLES["iris"].module
        'deltanet.examples.iris'
    """

    module: str
    deck: str
    description: str


#: name → Example, in the order of the decks' story (the neuron, losses, backprop, practice, CNNs).
EXAMPLES: dict[str, Example] = {
    "tumor": Example(
        "deltanet.examples.tumor",
        "Ibragimov",
        "1-neuron regression on the tumor-size table, every gradient step of the deck; the dead patients",
    ),
    "cats-dogs": Example(
        "deltanet.examples.cats_dogs",
        "de Back 2018",
        "classification error, MSE and cross-entropy of two networks: 0.33/0.33, 0.25/0.71, 0.38/1.06",
    ),
    "iris": Example(
        "deltanet.examples.iris",
        "Hosny et al.",
        "4-16-3 sigmoid network on iris, one step by hand (forward, loss, deltas, update), then training",
    ),
    "perceptron": Example(
        "deltanet.examples.perceptron",
        "Suk 2015",
        "Rosenblatt's rule converges on AND, OR and iris, cycles on XOR",
    ),
    "mirror-symmetry": Example(
        "deltanet.examples.mirror_symmetry",
        "Hosny et al. (Rumelhart, Hinton & Williams 1986)",
        "6-2-1 sigmoid network, ε = 0.1, α = 0.9: sweeps to learn (paper: 1,425), 1:2:4 weights",
    ),
    "family-trees": Example(
        "deltanet.examples.family_trees",
        "Hosny et al. (Rumelhart, Hinton & Williams 1986)",
        "24-6 / 12-6 → 12 → 6 → 24 network on Hinton's family trees (104 cases, 112 triples)",
    ),
    "universal-approximator": Example(
        "deltanet.examples.universal_approximator",
        "Suk 2015 (Bishop Fig. 5.3)",
        "3 tanh hidden units fit x², sin, |x| and a step from 50 points",
    ),
    "deep-vs-shallow": Example(
        "deltanet.examples.deep_vs_shallow",
        "Suk 2015",
        "a sawtooth of 64 pieces: exact with 6 layers of 2 ReLU units, one layer needs 63+ units",
    ),
    "vanishing-gradients": Example(
        "deltanet.examples.vanishing_gradients",
        "de Back 2018; Hosny et al.; Suk 2015",
        "per-layer gradient norms of a deep sigmoid network vs ReLU with He init",
    ),
    "initialization": Example(
        "deltanet.examples.initialization",
        "Hosny et al.",
        "six schemes on one deep ReLU network; large random weights saturate sigmoids; dropout makes constants work",
    ),
    "regularization": Example(
        "deltanet.examples.regularization",
        "Ibragimov; Suk 2015",
        "L1 drives weights to zero, L2 spreads them; the 10-point sinusoid overfit and fixed",
    ),
    "dropout": Example(
        "deltanet.examples.dropout",
        "Hosny et al.; Suk 2015",
        "an overfitting network on 300 digits, with and without dropout",
    ),
    "batchnorm": Example(
        "deltanet.examples.batchnorm",
        "Hosny et al.",
        "deep sigmoid and ReLU networks with and without batch normalization",
    ),
    "optimizers": Example(
        "deltanet.examples.optimizers",
        "Hosny et al.; Suk 2015",
        "GD, SGD, mini-batch, momentum, AdaGrad, RMSprop, Adam and L-BFGS on one problem",
    ),
    "autoencoder-pretraining": Example(
        "deltanet.examples.autoencoder_pretraining",
        "Suk 2015 (Hinton & Salakhutdinov 2006)",
        "greedy layer-wise pre-training of a deep autoencoder; its 2-D codes vs PCA; supervised fine-tuning",
    ),
    "lenet5": Example(
        "deltanet.examples.lenet5",
        "Suk 2015; Desrosiers 2024",
        "LeNet-5 on the 8×8 digits at 32×32 (or MNIST with --mnist DIR)",
    ),
    "segmentation": Example(
        "deltanet.examples.segmentation",
        "Hosny et al.; Desrosiers 2024",
        "U-Net with the Dice loss on synthetic cell images, vs intensity thresholds",
    ),
    "real-scan": Example(
        "deltanet.examples.real_scan_segmentation",
        "Desrosiers 2024 (image segmentation)",
        "3-D U-Net on patches of a real MRI volume (nibabel's), sliding window, NIfTI out; Dice, HD95",
    ),
    "denoising": Example(
        "deltanet.examples.denoising",
        "de Back 2018",
        "a residual CNN denoises a real CT slice: PSNR and SSIM vs the noisy input, Gaussian and median filters",
    ),
    "super-resolution": Example(
        "deltanet.examples.super_resolution",
        "de Back 2018",
        "×2 super-resolution of a real CT slice with a pixel-shuffle CNN, against bicubic interpolation",
    ),
    "image-to-image": Example(
        "deltanet.examples.image_to_image",
        "de Back 2018",
        "a CNN translates one MRI contrast into another (synthesized), vs the identity and a global intensity fit",
    ),
    "localization": Example(
        "deltanet.examples.localization",
        "de Back 2018; Desrosiers 2024",
        "bounding-box regression of one synthetic lesion on real MRI crops: mean IoU and IoU > 0.5",
    ),
    "detection": Example(
        "deltanet.examples.detection",
        "Desrosiers 2024",
        "a U-Net's centre heat map finds several lesions per image: precision and recall at IoU 0.5",
    ),
}


def load(name: str) -> ModuleType:
    """The module of the example called ``name``.

    Args:
        name: a key of ``EXAMPLES``, e.g. ``"cats-dogs"``.

    Raises:
        ValueError: no example of that name; the message lists the available ones.

    Examples:
        >>> from deltanet import examples
        >>> examples.load("cats-dogs").__name__
        'deltanet.examples.cats_dogs'
    """
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}; available examples: {', '.join(EXAMPLES)}")
    return importlib.import_module(EXAMPLES[name].module)


__all__ = ["EXAMPLES", "Example", "load"]
