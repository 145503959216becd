r"""Super-resolution ×2 of real CT slices with a sub-pixel convolution ([de Back 2018]: "image
enhancement, e.g. denoising, superres."), against bicubic interpolation.

The low-resolution image is the high-resolution one averaged over 2 × 2 blocks (each detector
pixel twice as large). The network (after ESPCN, Shi et al. 2016) works at the low resolution and
ends with $r^2 = 4$ feature maps, which the *pixel shuffle* rearranges into one map twice as large,

$$
\mathrm{PS}(z)_{c,\; h r + i,\; w r + j} = z_{c r^2 + i r + j,\; h,\; w},
\qquad 0 \le i, j < r
$$

(``dn.nn.PixelShuffle``, PyTorch's layer of that name). It corrects the bicubic estimate rather
than starting from nothing: the bicubic image, cut by the inverse rearrangement into four
sub-pixel maps of the low resolution (``dn.functional.pixel_unshuffle``), goes in beside the
low-resolution image, and the network adds its correction to those maps,
$\hat y = \mathrm{PS}(b + f([x, b]))$ with $b$ the unshuffled bicubic image. Its last layer starts
near zero (its initial weights × 0.01), so training starts from bicubic interpolation and
learns the detail that interpolation misses, with the mean squared error.

Data, as in the ``denoising`` example: random 24 × 24 high-resolution patches of two head CT
slices shipped with pydicom (at half their resolution, about the test slice's pixel size), tested
on ``CT_small.dcm`` (a neck, 128 × 128) reduced to 64 × 64 and brought back to 128 × 128.
Baseline: bicubic interpolation, ``scipy.ndimage.zoom(order=3, grid_mode=True)`` (pixels as
areas, the alignment of the 2 × 2 averaging). Score: PSNR and SSIM against the original slice.

Run it: ``deltanet examples run super-resolution`` (``--quick``: a few seconds).
"""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np

import deltanet as dn
from deltanet.examples import _scans
from deltanet.examples._common import example_main, printer, save_figure
from deltanet.examples.denoising import half_resolution

PATCH, N_PATCHES, EPOCHS = 24, 400, 16
QUICK_PATCHES, QUICK_EPOCHS = 160, 8
SCALE = 2


class SubPixelSR(dn.nn.Module):
    r"""$\hat y = \mathrm{PS}(b + f([x, b]))$: a sub-pixel correction of the bicubic maps $b$.

    Args:
        width: feature maps of the hidden convolutions.
        rng: seed for the initial weights (the last layer's scaled by 0.01).

    Shape:
        - input: $(N, 1 + r^2, H, W)$: the low-resolution image and the bicubic image's four
          sub-pixel maps (``dn.functional.pixel_unshuffle``); output: $(N, 1, 2H, 2W)$.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.examples.super_resolution import SubPixelSR
        >>> SubPixelSR(rng=0)(dn.tensor(np.zeros((1, 5, 6, 6), dtype=np.float32))).shape
        (1, 1, 12, 12)
    """

    def __init__(self, width: int = 16, rng: Any = 0) -> None:
        super().__init__()
        g = dn.backend.get_rng(rng)
        self.correction = dn.nn.Sequential(
            dn.nn.Conv2d(1 + SCALE * SCALE, width, 3, padding=1, rng=g),
            dn.nn.ReLU(),
            dn.nn.Conv2d(width, width, 3, padding=1, rng=g),
            dn.nn.ReLU(),
            dn.nn.Conv2d(width, SCALE * SCALE, 3, padding=1, rng=g),
        )
        self.shuffle = dn.nn.PixelShuffle(SCALE)
        for p in self.correction[4].parameters():
            p.array[...] *= 0.01  # start (almost) from the bicubic image itself

    def forward(self, x: dn.Tensor) -> dn.Tensor:
        return self.shuffle(x[:, 1:] + self.correction(x))


def downsample(images: np.ndarray) -> np.ndarray:
    """Average 2 × 2 blocks of the last two axes (the low-resolution acquisition)."""
    *lead, h, w = images.shape
    return images.reshape(*lead, h // 2, 2, w // 2, 2).mean(axis=(-3, -1))


def bicubic(image: np.ndarray) -> np.ndarray:
    """Bicubic ×2 of a 2-D image, ``scipy.ndimage.zoom(order=3)`` with pixels as areas."""
    return _scans.scipy_ndimage().zoom(image, SCALE, order=3, grid_mode=True, mode="grid-mirror")


def network_input(low: np.ndarray) -> np.ndarray:
    """$(N, 1, H, W)$ low-resolution images → $(N, 5, H, W)$: each with its bicubic image's sub-pixel maps."""
    upsampled = np.stack([bicubic(image[0]) for image in low])[:, None]
    maps = dn.functional.pixel_unshuffle(dn.tensor(upsampled), SCALE).array
    return np.concatenate([low, maps], axis=1).astype(np.float32)


def run(quick: bool = False, seed: int = 0, epochs: int | None = None, verbose: int = 1) -> dict[str, Any]:
    """Train the sub-pixel network on CT patches; compare with bicubic interpolation on a new slice.

    Args:
        quick: 160 patches and 8 epochs instead of 400 and 16.
        seed: seeds the patches, the weights and the shuffle.
        epochs: override the number of epochs.
        verbose: 0 silent, 1 print.

    Returns:
        ``{"scores": name → (PSNR, SSIM) for "bilinear", "bicubic", "cnn"; "history", "high",
        "low", "outputs", "summary"}``.
    """
    say = printer(verbose)
    images = _scans.ct_images()
    train = [half_resolution(images[name]) for name in _scans.CT_FILES[:2]]
    high = images["CT_small.dcm"]
    low = downsample(high)
    rng = np.random.default_rng(seed)
    n_patches = QUICK_PATCHES if quick else N_PATCHES
    epochs = (QUICK_EPOCHS if quick else EPOCHS) if epochs is None else int(epochs)
    Y = _scans.random_patches(train, PATCH, n_patches, rng)
    X = network_input(downsample(Y))

    model = SubPixelSR(rng=seed)
    say(
        f"Super-resolution ×{SCALE}: sub-pixel CNN correcting bicubic (3 conv 3×3, pixel shuffle, "
        f"{sum(p.size for p in model.parameters()):,} parameters) on {n_patches} pairs of {PATCH // 2}×{PATCH // 2} → "
        f"{PATCH}×{PATCH} patches of two head CT slices; tested on CT_small.dcm (64×64 → 128×128). "
        f"MSE, Adam (lr 0.003), {epochs} epochs, batches of 16"
    )
    began = time.perf_counter()
    history = dn.fit(
        model, X, Y, "mse", dn.optim.Adam(model.parameters(), lr=0.003), epochs=epochs, batch_size=16,
        rng=seed, monitor=False, verbose=0,
    )  # fmt: skip
    seconds = time.perf_counter() - began
    bilinear = dn.functional.upsample(dn.tensor(low[None, None]), SCALE, mode="bilinear").array[0, 0]
    outputs = {
        "bilinear": bilinear,
        "bicubic (scipy zoom, order 3)": bicubic(low),
        "sub-pixel CNN": dn.predict(model, network_input(low[None, None]))[0, 0],
    }
    keys = ("bilinear", "bicubic", "cnn")
    scores = {
        key: (dn.metrics.psnr(high, out, data_range=1.0), dn.metrics.ssim(high, out, data_range=1.0))
        for key, out in zip(keys, outputs.values())
    }
    say(f"  training MSE per epoch: {', '.join(f'{v:.6f}' for v in history.history['loss'])}  [{seconds:.1f} s]")
    say(f"  {'CT_small.dcm, 64² → 128²':<32}{'PSNR (dB)':>10}{'SSIM':>8}")
    for (label, _), key in zip(outputs.items(), keys):
        say(f"  {label:<32}{scores[key][0]:>10.2f}{scores[key][1]:>8.3f}")
    summary = (
        f"super-resolution: PSNR {scores['cnn'][0]:.2f} dB (bicubic {scores['bicubic'][0]:.2f}, bilinear "
        f"{scores['bilinear'][0]:.2f}); SSIM {scores['cnn'][1]:.3f} (bicubic {scores['bicubic'][1]:.3f})"
    )
    say("\n" + summary)
    return {"scores": scores, "history": history, "high": high, "low": low, "outputs": outputs, "summary": summary}


def plot(result: dict[str, Any], path: Any) -> None:
    """The original slice, its low-resolution version and each upscaling, with PSNR."""
    from deltanet.examples._common import pyplot

    plt = pyplot()
    panels = {"original": result["high"], "low resolution": result["low"], **result["outputs"]}
    fig, axes = plt.subplots(1, len(panels), figsize=(3 * len(panels), 3.3))
    for ax, (title, image) in zip(axes, panels.items()):
        ax.imshow(image, cmap="gray", vmin=0.2, vmax=0.8)
        if image.shape == result["high"].shape and title != "original":
            title += f"\n{dn.metrics.psnr(result['high'], image, data_range=1.0):.2f} dB"
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m deltanet.examples.super_resolution [--epochs N] [--plot out.png] [--quick]``."""
    return example_main(
        "super-resolution", __doc__, run, plot, argv, options=[("--epochs", int, None, "training epochs")]
    )


if __name__ == "__main__":
    sys.exit(main())
