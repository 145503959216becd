"""Layer 8: the worked examples of the seeds as runnable, tested programs.

Each example is a module with ``run(quick=False, ...)`` (returns a dict of results, for tests)
and ``main(argv)`` (the command line: ``--quick``, ``--plot out.png``, ``--seed``, ``--quiet``).
``deltanet examples list`` shows them and ``deltanet examples run NAME`` runs one; so does
``python -m deltanet.examples.MODULE``.

Examples:
    >>> from deltanet import examples
    >>> examples.EXAMPLES["tumor"].deck
    'seeds/002 (Ibragimov)'
    >>> len(examples.EXAMPLES)
    21
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
        "seeds/002 (Ibragimov)",
        "1-neuron regression on the tumor-size table, every gradient step of the deck; the dead patients",
    ),
    "cats-dogs": Example(
        "deltanet.examples.cats_dogs",
        "seeds/000 (de Back)",
        "classification error, MSE and cross-entropy of two networks: 0.33/0.33, 0.25/0.71, 0.38/1.06",
    ),
    "iris": Example(
        "deltanet.examples.iris",
        "seeds/001 (Hosny et al.)",
        "4-16-3 sigmoid network on iris, one step by hand (forward, loss, deltas, update), then training",
    ),
    "perceptron": Example(
        "deltanet.examples.perceptron",
        "seeds/003 (Suk)",
        "Rosenblatt's rule converges on AND, OR and iris, cycles on XOR",
    ),
    "mirror-symmetry": Example(
        "deltanet.examples.mirror_symmetry",
        "seeds/001 (Rumelhart, Hinton & Williams 1986)",
        "6-2-1 sigmoid network, ε = 0.1, α = 0.9: sweeps to learn (paper: 1,425), 1:2:4 weights",
    ),
    "family-trees": Example(
        "deltanet.examples.family_trees",
        "seeds/001 (Rumelhart, Hinton & Williams 1986)",
        "24-6 / 12-6 → 12 → 6 → 24 network on Hinton's family trees (104 cases, 112 triples)",
    ),
    "universal-approximator": Example(
        "deltanet.examples.universal_approximator",
        "seeds/003 (Suk; Bishop Fig. 5.3)",
        "3 tanh hidden units fit x², sin, |x| and a step from 50 points",
    ),
    "vanishing-gradients": Example(
        "deltanet.examples.vanishing_gradients",
        "seeds/000, 001, 003",
        "per-layer gradient norms of a deep sigmoid network vs ReLU with He init",
    ),
    "initialization": Example(
        "deltanet.examples.initialization",
        "seeds/001 (Hosny et al.)",
        "zeros, constant, large random, Glorot, He and LSUV on the same deep ReLU network",
    ),
    "regularization": Example(
        "deltanet.examples.regularization",
        "seeds/002, 003",
        "L1 drives weights to zero, L2 spreads them; the 10-point sinusoid overfit and fixed",
    ),
    "dropout": Example(
        "deltanet.examples.dropout", "seeds/001, 003", "an overfitting network on 300 digits, with and without dropout"
    ),
    "batchnorm": Example(
        "deltanet.examples.batchnorm",
        "seeds/001 (Hosny et al.)",
        "deep sigmoid and ReLU networks with and without batch normalization",
    ),
    "optimizers": Example(
        "deltanet.examples.optimizers",
        "seeds/001, 003",
        "GD, SGD, mini-batch, momentum, AdaGrad, RMSprop, Adam and L-BFGS on one problem",
    ),
    "autoencoder-pretraining": Example(
        "deltanet.examples.autoencoder_pretraining",
        "seeds/003 (Suk; Hinton & Salakhutdinov 2006)",
        "greedy layer-wise pre-training of a deep autoencoder; its 2-D codes vs PCA",
    ),
    "lenet5": Example(
        "deltanet.examples.lenet5", "seeds/003, 004", "LeNet-5 on the 8×8 digits at 32×32 (or MNIST with --mnist DIR)"
    ),
    "segmentation": Example(
        "deltanet.examples.segmentation",
        "seeds/001, 004",
        "U-Net with the Dice loss on synthetic cell images, vs intensity thresholds",
    ),
    "denoising": Example(
        "deltanet.examples.denoising",
        "seeds/000 (de Back)",
        "a residual CNN denoises a real CT slice: PSNR and SSIM vs the noisy input, Gaussian and median filters",
    ),
    "super-resolution": Example(
        "deltanet.examples.super_resolution",
        "seeds/000 (de Back)",
        "×2 super-resolution of a real CT slice with a pixel-shuffle CNN, against bicubic interpolation",
    ),
    "image-to-image": Example(
        "deltanet.examples.image_to_image",
        "seeds/000 (de Back)",
        "a CNN translates one MRI contrast into another (synthesized), vs the identity and a global intensity fit",
    ),
    "localization": Example(
        "deltanet.examples.localization",
        "seeds/000, 004",
        "bounding-box regression of one synthetic lesion on real MRI crops: mean IoU and IoU > 0.5",
    ),
    "detection": Example(
        "deltanet.examples.detection",
        "seeds/004 (Desrosiers)",
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
