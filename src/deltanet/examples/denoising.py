r"""Image enhancement: a small residual CNN removes noise from real CT slices ([de Back 2018]:
"regression tasks in biomedical imaging … image enhancement, e.g. denoising").

Denoising is regression of every pixel: the network maps a noisy image $\tilde x = x + n$ to an
estimate $\hat x$ of the clean one, trained with the mean squared error
$\frac{1}{N} \sum (\hat x - x)^2$. The network predicts the *noise* and subtracts it,
$\hat x = \tilde x - f(\tilde x)$ (residual learning, as DnCNN, Zhang et al. 2017): four 3×3
convolutions with 12 feature maps and ReLU between them.

The data are real scans shipped with pydicom (no download): it trains on random 24 × 24 patches
of two 512 × 512 head CT slices (``J2K_pixelrep_mismatch.dcm``, ``693_J2KI.dcm``, averaged 2 × 2
to about the test slice's pixel size) and is tested on a *different* slice of another patient and
body part, ``CT_small.dcm`` (128 × 128, the neck). Intensities are the CT window from -1000 to 1000 HU
mapped to [0, 1]; the noise is Gaussian with $\sigma = 0.05$ (100 HU), added to the windowed
images.

Baselines: the noisy input itself, a Gaussian filter and a median filter (``scipy.ndimage``),
each with the width that scores best on the training slices. Scores: PSNR
$10 \log_{10}(1 / \mathrm{MSE})$ and SSIM (``deltanet.metrics.psnr``, ``ssim``) against the
original slice. The original slices carry their own scanner noise, which no method can tell
from anatomy; the numbers measure how close each gets to them.

Run it: ``deltanet examples run denoising`` (about 30 s on two cores; ``--quick`` a few seconds).
"""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np

import deltanet as dn
from deltanet.examples import _scans
from deltanet.examples._common import example_main, printer, save_figure

NOISE = 0.05
PATCH, N_PATCHES, EPOCHS = 24, 400, 16
QUICK_PATCHES, QUICK_EPOCHS = 160, 4
GAUSSIAN_SIGMAS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
MEDIAN_SIZES = (3, 5, 7)


class ResidualDenoiser(dn.nn.Module):
    r"""$\hat x = \tilde x - f(\tilde x)$: convolutions that estimate the noise, subtracted from the input.

    Args:
        width: feature maps of the hidden convolutions.
        depth: number of 3×3 convolutions (>= 2).
        rng: seed for the initial weights.

    Shape:
        - input: $(N, 1, H, W)$; output: the same shape.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.examples.denoising import ResidualDenoiser
        >>> ResidualDenoiser(rng=0)(dn.tensor(np.zeros((1, 1, 8, 8), dtype=np.float32))).shape
        (1, 1, 8, 8)
    """

    def __init__(self, width: int = 12, depth: int = 4, rng: Any = 0) -> None:
        super().__init__()
        g = dn.backend.get_rng(rng)
        layers: list = [dn.nn.Conv2d(1, width, 3, padding=1, rng=g), dn.nn.ReLU()]
        for _ in range(depth - 2):
            layers += [dn.nn.Conv2d(width, width, 3, padding=1, rng=g), dn.nn.ReLU()]
        layers.append(dn.nn.Conv2d(width, 1, 3, padding=1, rng=g))
        self.noise = dn.nn.Sequential(*layers)

    def forward(self, x: dn.Tensor) -> dn.Tensor:
        return x - self.noise(x)


def half_resolution(image: np.ndarray) -> np.ndarray:
    """The mean of each 2 × 2 block (an image of half the size)."""
    h, w = image.shape[0] // 2 * 2, image.shape[1] // 2 * 2
    return image[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))


def best_filter(kind: str, noisy: np.ndarray, clean: np.ndarray) -> tuple[Any, float]:
    """The filter width (Gaussian sigma or median size) with the best PSNR on the given patches."""
    ndimage = _scans.scipy_ndimage()
    options = GAUSSIAN_SIGMAS if kind == "gaussian" else MEDIAN_SIZES
    scores = []
    for option in options:
        if kind == "gaussian":
            out = ndimage.gaussian_filter(noisy, sigma=(0, 0, option, option))
        else:
            out = ndimage.median_filter(noisy, size=(1, 1, option, option))
        scores.append(dn.metrics.psnr(clean, out, data_range=1.0))
    return options[int(np.argmax(scores))], float(max(scores))


def run(quick: bool = False, seed: int = 0, epochs: int | None = None, verbose: int = 1) -> dict[str, Any]:
    """Train the residual CNN on noisy CT patches; compare with the noisy input and two filters on a new slice.

    Args:
        quick: 160 patches and 4 epochs instead of 400 and 16.
        seed: seeds the patches, the noise, the weights and the shuffle.
        epochs: override the number of epochs.
        verbose: 0 silent, 1 print.

    Returns:
        ``{"scores": name → (PSNR, SSIM) for "noisy", "gaussian", "median", "cnn"; "gaussian_sigma",
        "median_size", "history", "clean", "noisy", "denoised", "summary"}``.
    """
    say = printer(verbose)
    ndimage = _scans.scipy_ndimage()
    images = _scans.ct_images()
    train = [half_resolution(images[name]) for name in _scans.CT_FILES[:2]]
    clean = images["CT_small.dcm"]
    rng = np.random.default_rng(seed)
    n_patches = QUICK_PATCHES if quick else N_PATCHES
    epochs = (QUICK_EPOCHS if quick else EPOCHS) if epochs is None else int(epochs)
    X = _scans.random_patches(train, PATCH, n_patches, rng)
    X_noisy = X + np.float32(NOISE) * rng.standard_normal(X.shape, dtype=np.float32)
    noisy = clean + np.float32(NOISE) * rng.standard_normal(clean.shape, dtype=np.float32)

    model = ResidualDenoiser(rng=seed)
    say(
        f"Denoising: residual CNN (4 conv 3×3, 12 maps, {sum(p.size for p in model.parameters()):,} parameters) "
        f"on {n_patches} noisy {PATCH}×{PATCH} patches of two head CT slices (noise σ = {NOISE} = 100 HU); "
        f"tested on CT_small.dcm (neck, 128×128). MSE, Adam (lr 0.005), {epochs} epochs, batches of 16"
    )
    began = time.perf_counter()
    history = dn.fit(
        model, X_noisy, X, "mse", dn.optim.Adam(model.parameters(), lr=0.005), epochs=epochs, batch_size=16,
        rng=seed, monitor=False, verbose=0,
    )  # fmt: skip
    seconds = time.perf_counter() - began
    denoised = dn.predict(model, noisy[None, None])[0, 0]

    sigma, _ = best_filter("gaussian", X_noisy, X)
    size, _ = best_filter("median", X_noisy, X)
    outputs = {
        "noisy": noisy,
        f"Gaussian filter σ = {sigma}": ndimage.gaussian_filter(noisy, sigma),
        f"median filter {size}×{size}": ndimage.median_filter(noisy, size=size),
        "residual CNN": denoised,
    }
    keys = ("noisy", "gaussian", "median", "cnn")
    scores = {
        key: (dn.metrics.psnr(clean, out, data_range=1.0), dn.metrics.ssim(clean, out, data_range=1.0))
        for key, out in zip(keys, outputs.values())
    }
    say(f"  training MSE per epoch: {', '.join(f'{v:.5f}' for v in history.history['loss'])}  [{seconds:.1f} s]")
    say(f"  {'on CT_small.dcm':<28}{'PSNR (dB)':>10}{'SSIM':>8}")
    for (label, _), key in zip(outputs.items(), keys):
        say(f"  {label:<28}{scores[key][0]:>10.2f}{scores[key][1]:>8.3f}")
    summary = (
        f"denoising: PSNR {scores['cnn'][0]:.2f} dB (noisy {scores['noisy'][0]:.2f}, Gaussian "
        f"{scores['gaussian'][0]:.2f}, median {scores['median'][0]:.2f}); SSIM {scores['cnn'][1]:.3f}"
    )
    say("\n" + summary)
    return {
        "scores": scores,
        "gaussian_sigma": sigma,
        "median_size": size,
        "history": history,
        "clean": clean,
        "noisy": noisy,
        "denoised": denoised,
        "outputs": outputs,
        "summary": summary,
    }


def plot(result: dict[str, Any], path: Any) -> None:
    """The clean slice, the noisy one and each method's result, with PSNR."""
    from deltanet.examples._common import pyplot

    plt = pyplot()
    panels = {"original": result["clean"], **result["outputs"]}
    fig, axes = plt.subplots(1, len(panels), figsize=(3 * len(panels), 3.3))
    for ax, (title, image) in zip(axes, panels.items()):
        ax.imshow(image, cmap="gray", vmin=0.2, vmax=0.8)
        if title != "original":
            title += f"\n{dn.metrics.psnr(result['clean'], image, data_range=1.0):.2f} dB"
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m deltanet.examples.denoising [--epochs N] [--plot out.png] [--quick]``."""
    return example_main("denoising", __doc__, run, plot, argv, options=[("--epochs", int, None, "training epochs")])


if __name__ == "__main__":
    sys.exit(main())
