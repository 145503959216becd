"""ONNX export of padding (deltanet.onnx.pads): ``F.pad`` in every mode and a convolution's
``padding_mode`` as ONNX's ``Pad`` (or a Slice and Concat for circular), as torch.onnx.export writes
them, so that the padded axes may be dynamic."""

import pytest

import deltanet as dn
from deltanet import nn
from deltanet.nn import functional as F
from deltanet.onnx import ExportError

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from tests.onnx.test_export import torch_export  # noqa: E402
from tests.onnx.test_export_dynamic_axes import Forward, export_and_compare  # noqa: E402

IMAGE = {0: "N", 2: "H", 3: "W"}
SIZES = ((1, 3), (5, 8), (6, 9))
#: torch's operators for each mode (its Pad's mode attribute; circular: Slices and Concats)
TORCH_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": None}


def torch_ops(module, shape):
    """The op types and Pad modes of torch.onnx.export's graph of the same module."""
    torch = pytest.importorskip("torch")
    return _ops_and_modes(torch_export(module, torch.zeros(shape)))


def _ops_and_modes(proto):
    kinds = {node.op_type for node in proto.graph.node} - {"Constant", "Identity"}
    modes = {a.s.decode() for node in proto.graph.node if node.op_type == "Pad" for a in node.attribute}
    return kinds, modes


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_f_pad_runs_at_any_image_size_as_torch_exports_it(mode, tmp_path):
    pads = (1, 2, 2, 1)
    options = {"value": 1.5} if mode == "constant" else {}
    proto = export_and_compare(
        Forward(lambda x: F.pad(x, pads, mode=mode, **options)), (2, 2, 5, 5), IMAGE, SIZES, tmp_path
    )
    kinds, modes = _ops_and_modes(proto)
    if mode == "circular":
        assert kinds == {"Slice", "Concat"}
    else:
        assert kinds == {"Pad"} and modes == {TORCH_MODES[mode]}
    torch = pytest.importorskip("torch")

    class TorchPad(torch.nn.Module):
        def forward(self, x):
            return torch.nn.functional.pad(x, pads, mode=mode, **options)

    torch_kinds, torch_modes = torch_ops(TorchPad(), (2, 2, 5, 5))
    assert torch_modes == modes and ("Pad" in torch_kinds) == ("Pad" in kinds)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_conv_padding_modes_run_at_any_image_size_as_torch_exports_them(mode, tmp_path):
    dn.manual_seed(0)
    model = nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode=mode)
    proto = export_and_compare(model, (2, 2, 5, 6), IMAGE, SIZES, tmp_path)
    kinds, modes = _ops_and_modes(proto)
    torch = pytest.importorskip("torch")
    twin = torch.nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode=mode)
    torch_kinds, torch_modes = torch_ops(twin, (2, 2, 5, 6))
    assert modes == torch_modes and "Conv" in kinds
    assert ("Pad" in kinds) == ("Pad" in torch_kinds)  # circular: Slices and Concats in both


@pytest.mark.parametrize(
    "shape, pads, mode",
    [
        ((2, 3, 7), (3, 0), "reflect"),
        ((1, 2, 3, 4, 5), (1, 1, 2, 0, 0, 1), "replicate"),
        ((2, 3, 4), (4, 4), "circular"),
    ],
)
def test_one_and_three_padded_axes(shape, pads, mode, tmp_path):
    axes = {0: "N", len(shape) - 1: "L"}
    sizes = ((1, 3), (shape[-1], shape[-1] + 3))
    export_and_compare(Forward(lambda x: F.pad(x, pads, mode=mode)), shape, axes, sizes, tmp_path)


def test_a_crop_is_a_pad_of_negative_amounts_at_any_size(tmp_path):
    """A negative amount (constant mode) crops: ONNX's Pad does the same with a negative pad."""
    model = Forward(lambda x: F.pad(x, (-1, 2, 3, -2), value=0.5))
    proto = export_and_compare(model, (2, 3, 6, 5), IMAGE, SIZES, tmp_path)
    assert [node.op_type for node in proto.graph.node] == ["Pad", "Identity", "Identity"]


def test_a_crop_to_the_constant_alone_is_a_gather_at_the_traced_size_only(tmp_path):
    """F.pad(x, (-3, 2)) of 3 positions reads none of them: no amount can be read from its table, so it
    is the Gather of the table, for the traced size: refused for a dynamic axis (at twice the size it
    reads the input, a Pad), exported for a fixed one."""
    model = Forward(lambda x: F.pad(x, (-3, 2)))
    proto = export_and_compare(model, (2, 3, 3), {0: "N"}, ((1, 4),), tmp_path)
    assert "Gather" in {node.op_type for node in proto.graph.node}
    with pytest.raises(ExportError, match=r"runs other operations for another size .* \(Gather for size 3, Pad for"):
        dn.onnx.export(model, tmp_path / "m.onnx", (2, 3, 3), dynamic_axes={"input": {2: "L"}})


def test_circular_pad_layers_run_at_any_size(tmp_path):
    """nn.CircularPad2d slices to the end of the axis, not to its traced size."""
    export_and_compare(nn.CircularPad2d((1, 2, 3, 0)), (1, 2, 4, 5), IMAGE, SIZES, tmp_path)
