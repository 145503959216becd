"""SummaryWriter (deltanet.utils.tensorboard) against TensorBoard's reader and PyTorch's writer.

Each comparison makes the same calls on deltanet's and PyTorch's ``SummaryWriter``, reads both
folders back with TensorBoard's ``EventAccumulator`` and compares what TensorBoard would show:
tags, steps, scalar values exactly, histogram statistics and buckets, PNG pixels, texts, PR
curves and hyperparameters.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import numpy as np
import pytest

tensorboard = pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData  # noqa: E402

import deltanet as dn  # noqa: E402
from deltanet.utils.tensorboard import SummaryWriter  # noqa: E402


def read(folder) -> EventAccumulator:
    events = EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0, "images": 0, "tensors": 0})
    events.Reload()
    return events


def scalars(events, tag):
    return [(e.step, e.value) for e in events.Scalars(tag)]


def pixels(encoded: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(encoded)))


def both(tmp_path, calls):
    """Run ``calls(writer, lib)`` on deltanet's and PyTorch's writers; the two folders' readers."""
    torch = pytest.importorskip("torch")
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    with SummaryWriter(tmp_path / "dn") as ours:
        calls(ours, dn)
    with TorchWriter(str(tmp_path / "torch")) as theirs:
        calls(theirs, torch)
    return read(tmp_path / "dn"), read(tmp_path / "torch")


def same_tags(ours, theirs):
    assert {k: v for k, v in ours.Tags().items() if v} == {k: v for k, v in theirs.Tags().items() if v}


# -- against PyTorch ------------------------------------------------------------------------------
def test_scalars_are_written_as_pytorch_writes_them(tmp_path):
    def calls(w, lib):
        for step in range(4):
            loss = lib.tensor(1.0 / (step + 1), requires_grad=True) * 3
            w.add_scalar("loss/train", loss, step)  # a Tensor that needs grad: PyTorch detaches it
            w.add_scalar("loss/val", 0.1 * step + 1e-9, step)  # a Python float (rounded to float32)
            w.add_scalar("lr", np.float64(0.01), global_step=step * 10)
        w.add_scalar("new", 2.5, 3, new_style=True)

    ours, theirs = both(tmp_path, calls)
    same_tags(ours, theirs)
    for tag in ("loss/train", "loss/val", "lr"):
        assert scalars(ours, tag) == scalars(theirs, tag)
    assert scalars(ours, "loss/val")[1] == (1, np.float32(0.1 + 1e-9))
    assert ours.Tensors("new")[0].tensor_proto == theirs.Tensors("new")[0].tensor_proto


def test_add_scalars_writes_one_folder_per_series_as_pytorch(tmp_path):
    def calls(w, lib):
        for step in range(3):
            w.add_scalars("loss/all", {"train": 1.0 / (step + 1), "val": lib.tensor(2.0 - step)}, step)

    both(tmp_path, calls)
    for lib in ("dn", "torch"):
        assert sorted(p.name for p in (tmp_path / lib).iterdir() if p.is_dir()) == ["loss_all_train", "loss_all_val"]
    for series in ("loss_all_train", "loss_all_val"):
        ours, theirs = read(tmp_path / "dn" / series), read(tmp_path / "torch" / series)
        assert ours.Tags()["scalars"] == theirs.Tags()["scalars"] == ["loss/all"]
        assert scalars(ours, "loss/all") == scalars(theirs, "loss/all")


@pytest.mark.parametrize(
    "bins, max_bins",
    [("tensorflow", None), ("tensorflow", 40), (10, None), ("auto", None), ([-1.0, 0.0, 0.5, 9.0], None)],
)
def test_histograms_have_pytorch_buckets(tmp_path, bins, max_bins):
    rng = np.random.default_rng(3)
    weights = rng.normal(scale=0.3, size=(20, 10)).astype(np.float32)
    positive = np.abs(weights) + 0.5

    def calls(w, lib):
        w.add_histogram("fc.weight", lib.tensor(weights), 0, bins=bins, max_bins=max_bins)
        w.add_histogram("positive", positive, 1, bins=bins, max_bins=max_bins)  # no data left of 0
        w.add_histogram("ints", np.arange(7), 2, bins=bins, max_bins=max_bins)

    ours, theirs = both(tmp_path, calls)
    same_tags(ours, theirs)
    for tag in ("fc.weight", "positive", "ints"):
        a, b = ours.Histograms(tag)[0], theirs.Histograms(tag)[0]
        assert a.step == b.step
        assert a.histogram_value == b.histogram_value


def test_images_have_pytorch_pixels(tmp_path):
    rng = np.random.default_rng(4)
    chw = rng.random((3, 5, 7)).astype(np.float32)
    batch = rng.random((10, 1, 4, 6)).astype(np.float32)  # grey: a grid of 8 + 2 with black cells
    rgba = (rng.random((6, 5, 4)) * 255).astype(np.uint8)
    mask = (rng.random((5, 5)) > 0.5).astype(np.int64)  # not uint8: read as [0, 1] like floats
    grey_alpha = rng.random((2, 3, 4))

    def calls(w, lib):
        w.add_image("chw", lib.tensor(chw), 0)
        w.add_image("hwc", chw.transpose(1, 2, 0) * 1.5 - 0.2, 1, dataformats="HWC")  # clipped
        w.add_image("rgba", rgba, 2, dataformats="HWC")
        w.add_image("mask", mask, 3, dataformats="HW")
        w.add_image("grey_alpha", grey_alpha, 3)
        w.add_images("grid", lib.tensor(batch), 4)
        w.add_images("nhwc", batch[:3].transpose(0, 2, 3, 1).repeat(3, axis=3), 5, dataformats="NHWC")

    ours, theirs = both(tmp_path, calls)
    same_tags(ours, theirs)
    for tag in ("chw", "hwc", "rgba", "mask", "grey_alpha", "grid", "nhwc"):
        a, b = ours.Images(tag)[0], theirs.Images(tag)[0]
        assert (a.step, a.width, a.height) == (b.step, b.width, b.height)
        np.testing.assert_array_equal(pixels(a.encoded_image_string), pixels(b.encoded_image_string))
    assert pixels(ours.Images("grid")[0].encoded_image_string).shape == (8, 48, 3)
    assert pixels(ours.Images("rgba")[0].encoded_image_string).shape == (6, 5, 4)


def test_figures_are_logged_as_pytorch_renders_them(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def figure():
        fig, ax = plt.subplots(figsize=(2, 1.5), dpi=30)
        ax.plot([0, 1, 0.5])
        return fig

    def calls(w, lib):
        w.add_figure("one", figure(), 0)
        w.add_figure("two", [figure(), figure()], 1)

    ours, theirs = both(tmp_path, calls)
    for tag in ("one", "two"):
        a, b = ours.Images(tag)[0], theirs.Images(tag)[0]
        np.testing.assert_array_equal(pixels(a.encoded_image_string), pixels(b.encoded_image_string))
    assert plt.get_fignums() == []  # close=True closed them


def test_text_pr_curve_and_hparams_as_pytorch(tmp_path):
    rng = np.random.default_rng(5)
    labels = rng.random(50) > 0.4
    scores = np.clip(labels * 0.3 + rng.random(50) * 0.7, 0, 1)

    def calls(w, lib):
        w.add_text("notes", "lr = **0.1**, ünïcode", 0)
        w.add_pr_curve("pr", lib.tensor(labels.astype(np.int64)), lib.tensor(scores), 1, num_thresholds=11)
        w.add_hparams(
            {"lr": 0.1, "batch": 16, "opt": "sgd", "skip": None},
            {"hparam/acc": 0.8},
            run_name="t1",
            hparam_domain_discrete={"opt": ["sgd", "adam"]},
        )

    ours, theirs = both(tmp_path, calls)
    same_tags(ours, theirs)
    assert ours.Tensors("notes/text_summary")[0].tensor_proto == theirs.Tensors("notes/text_summary")[0].tensor_proto
    assert ours.SummaryMetadata("notes/text_summary") == theirs.SummaryMetadata("notes/text_summary")
    a, b = ours.Tensors("pr")[0], theirs.Tensors("pr")[0]
    assert a.step == b.step and a.tensor_proto == b.tensor_proto
    assert ours.SummaryMetadata("pr") == theirs.SummaryMetadata("pr")

    run_ours, run_theirs = read(tmp_path / "dn" / "t1"), read(tmp_path / "torch" / "t1")
    assert scalars(run_ours, "hparam/acc") == scalars(run_theirs, "hparam/acc")
    assert run_ours.PluginTagToContent("hparams") == run_theirs.PluginTagToContent("hparams")


def test_a_bool_hyperparameter_is_a_bool(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_hparams({"augment": True, "seed": dn.tensor(3)}, {"m": 1.0}, run_name="r")
    content = read(tmp_path / "r").PluginTagToContent("hparams")["_hparams_/session_start_info"]
    start = HParamsPluginData.FromString(content).session_start_info
    assert start.hparams["augment"].bool_value is True
    assert start.hparams["seed"].number_value == 3.0


# -- the writer's own behaviour -----------------------------------------------------------------
def test_default_folder_comment_suffix_and_reopen(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(comment="_lr0.1", filename_suffix=".run1")
    folder = Path(w.get_logdir())
    assert folder.parent.name == "runs" and folder.name.endswith("_lr0.1")
    w.add_scalar("x", 1.0, 0)
    w.close()
    w.close()  # a second close does nothing
    w.add_scalar("x", 2.0, 1)  # reopens: a second event file
    w.close()
    files = sorted(folder.iterdir())
    assert len(files) == 2 and all(
        f.name.startswith("events.out.tfevents.") and f.name.endswith(".run1") for f in files
    )
    assert scalars(read(folder), "x") == [(0, 1.0), (1, 2.0)]


def raw_events(folder):
    """Every event of every file of ``folder`` (in file order), as protobufs."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    return [e for f in sorted(Path(folder).glob("events.out.tfevents.*")) for e in EventFileLoader(str(f)).Load()]


def test_purge_step_writes_pytorchs_restart_marks(tmp_path):
    pytest.importorskip("torch")
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    for writer, folder in ((SummaryWriter, tmp_path / "dn"), (TorchWriter, tmp_path / "torch")):
        with writer(str(folder)) as w:
            for step in range(6):
                w.add_scalar("loss", float(step), step)
        with writer(str(folder), purge_step=3) as w:  # restarted from a checkpoint of step 3
            for step in range(3, 5):
                w.add_scalar("loss", 10.0 + step, step)
    marks = {}
    for lib in ("dn", "torch"):
        events = raw_events(tmp_path / lib)
        marks[lib] = [(e.step, e.WhichOneof("what"), e.session_log.status) for e in events if not e.HasField("summary")]
    assert marks["dn"] == marks["torch"]
    assert (3, "session_log", 1) in marks["dn"]  # SessionLog.START at the purge step
    assert scalars(read(tmp_path / "dn"), "loss") == [(0, 0.0), (1, 1.0), (2, 2.0), (3, 13.0), (4, 14.0)]


def test_threads_can_log_through_one_writer(tmp_path):
    with SummaryWriter(tmp_path) as w:

        def log(k):
            for step in range(20):
                w.add_scalar(f"t{k}", float(step), step)
                w.add_scalars("s", {f"k{k}": float(step)}, step)

        threads = [threading.Thread(target=log, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    events = read(tmp_path)
    assert all(len(events.Scalars(f"t{k}")) == 20 for k in range(4))
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["s_k0", "s_k1", "s_k2", "s_k3"]
    assert all(len(list((tmp_path / f"s_k{k}").iterdir())) == 1 for k in range(4))  # one file per folder


# -- mistakes get clear errors ------------------------------------------------------------------
def test_bad_input_gets_clear_errors(tmp_path):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(ValueError, match=r"add_scalar: scalar_value must hold exactly one number.*\(3,\)"):
            w.add_scalar("loss", dn.tensor([1.0, 2.0, 3.0]), 0)
        with pytest.raises(TypeError, match="add_scalar: tag must be a string"):
            w.add_scalar(0, 1.0)  # the arguments swapped
        with pytest.raises(
            TypeError, match="scalar_value must be a deltanet Tensor, a NumPy array or a number, got str"
        ):
            w.add_scalar("loss", "0.5", 0)
        with pytest.raises(ValueError, match="global_step must be an integer step"):
            w.add_scalar("loss", 0.5, 1.5)
        with pytest.raises(ValueError, match="add_image: the image has 4 dimensions but dataformats='CHW'.*add_images"):
            w.add_image("x", np.zeros((2, 3, 4, 4)), 0)
        with pytest.raises(ValueError, match="dataformats must be an order of the letters"):
            w.add_image("x", np.zeros((3, 4, 4)), 0, dataformats="CXW")
        with pytest.raises(ValueError, match="dataformats must be an order"):
            w.add_image("x", np.zeros((3, 4, 4)), 0, dataformats="CCW")
        with pytest.raises(
            ValueError, match="needs 1 \\(grey\\), 2 \\(grey and alpha\\), 3 \\(RGB\\) or 4 \\(RGBA\\) channels, got 5"
        ):
            w.add_image("x", np.zeros((5, 4, 4)), 0)
        with pytest.raises(ValueError, match="1 or 3 channels to make a grid, got 4"):
            w.add_images("x", np.zeros((2, 4, 4, 4)), 0)
        with pytest.raises(ValueError, match="add_histogram: values of 'g' hold 1 NaN or infinite"):
            w.add_histogram("g", np.array([1.0, np.nan]), 0)
        with pytest.raises(ValueError, match="hold no element"):
            w.add_histogram("g", np.zeros(0), 0)
        with pytest.raises(ValueError, match="no value of 'g' lies within the bins"):
            w.add_histogram("g", np.array([5.0]), 0, bins=[0.0, 1.0])
        with pytest.raises(TypeError, match="add_text: text_string must be a string"):
            w.add_text("t", 3.5)
        with pytest.raises(ValueError, match="predictions must be probabilities in \\[0, 1\\]"):
            w.add_pr_curve("pr", np.array([0, 1]), np.array([-2.0, 3.0]))
        with pytest.raises(ValueError, match="labels must be 0 or 1"):
            w.add_pr_curve("pr", np.array([0, 2]), np.array([0.2, 0.3]))
        with pytest.raises(ValueError, match="hparam_dict\\['layers'\\] must be a bool, a number, a string"):
            w.add_hparams({"layers": [1, 2]}, {"m": 1.0})
        with pytest.raises(TypeError, match="hparam_domain_discrete\\['lr'\\] must be a list of values"):
            w.add_hparams({"lr": 0.1}, {"m": 1.0}, hparam_domain_discrete={"lr": ["a"]})
        with pytest.raises(NotImplementedError, match="add_graph is not available.*dn.nn.summary"):
            w.add_graph(dn.nn.Linear(2, 1), dn.zeros(1, 2))
        with pytest.raises(NotImplementedError, match="add_embedding is not available"):
            w.add_embedding(np.zeros((3, 2)))
    with pytest.raises(TypeError, match="log_dir must be a folder path"):
        SummaryWriter(3)
    with pytest.raises(ValueError, match="purge_step"):
        SummaryWriter(tmp_path, purge_step=-1)


def test_a_writer_left_open_is_closed_at_exit(tmp_path):
    import subprocess
    import sys

    code = (
        "from deltanet.utils.tensorboard import SummaryWriter\n"
        f"w = SummaryWriter({str(tmp_path)!r})\n"
        "for i in range(3):\n    w.add_scalar('a', float(i), i)\n"
    )  # no close(): the script just ends
    subprocess.run([sys.executable, "-c", code], check=True)
    assert scalars(read(tmp_path), "a") == [(0, 0.0), (1, 1.0), (2, 2.0)]


def test_import_without_tensorboard_names_the_extra(monkeypatch):
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['tensorboard'] = None\n"
        "try:\n    import deltanet.utils.tensorboard\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert 'pip install "deltanet[tensorboard]"' in out
