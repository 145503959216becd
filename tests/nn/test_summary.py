"""summary: the parameter counts of the seeds (7,850 / 655,370 / 160 M for one fully connected
layer, 9 or 3 for a convolution), output shapes from one forward pass, and the recorder."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn
from deltanet.nn.summary import recording, summary


def test_fully_connected_layer_on_a_28x28_image_has_7850_parameters():
    table = summary(nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10)), (1, 28, 28))
    assert table.total_params == 7_850 == 28 * 28 * 10 + 10  # [Desrosiers 2024]: "7850 in Layer 1"
    assert [(r.name, r.type, r.output_shape, r.params) for r in table.rows] == [
        ("0", "Flatten", (784,), 0),
        ("1", "Linear", (10,), 7_850),
    ]


def test_fully_connected_layer_on_a_256x256_image_has_655370_parameters():
    table = summary(nn.Sequential(nn.Flatten(), nn.Linear(256 * 256, 10)), (1, 256, 256))
    assert table.total_params == 655_370  # [Desrosiers 2024]: "655,370 in Layer 1"
    assert table.rows[1].output_shape == (10,)


def test_fully_connected_layer_on_a_256_cubed_volume_has_160_million_parameters():
    layer = nn.Linear(1, 10)
    # 256³·10 float32 weights would take 671 MB: a zero-stride view of one zero stands in for
    # them, so the count comes from the real layer type without the memory.
    layer.weight = nn.Parameter(np.broadcast_to(np.float32(0), (10, 256**3)))
    layer.in_features = 256**3
    table = summary(nn.Sequential(nn.Flatten(), layer))  # no input shape: count only, no forward
    assert table.total_params == 167_772_170 == 256**3 * 10 + 10  # the deck's "160M", rounded down
    assert table.rows[1].output_shape is None
    assert "167,772,170" in str(table)


def test_convolutions_need_few_parameters():
    # [Desrosiers 2024]: "150-D input vector with 150 neurons in Layer 1 => 22,500 parameters",
    # shared weights "=> 3 parameters"; a 3x3 filter: "Layer 1 has only 9 parameters".
    assert summary(nn.Linear(150, 150, bias=False), (150,)).total_params == 22_500
    assert summary(nn.Conv1d(1, 1, 3, bias=False), (1, 150)).total_params == 3
    table = summary(nn.Conv2d(1, 1, 3, bias=False), (1, 256, 256))
    assert table.total_params == 9 and table.rows[0].output_shape == (1, 254, 254)


def test_output_shapes_of_a_small_convolutional_network():
    model = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(6 * 12 * 12, 10))
    table = summary(model, (1, 28, 28))
    assert [r.output_shape for r in table.rows] == [(6, 24, 24), (6, 24, 24), (6, 12, 12), (864,), (10,)]
    assert [r.params for r in table.rows] == [6 * 25 + 6, 0, 0, 0, 864 * 10 + 10]
    assert table.total_params == sum(p.data.size for p in model.parameters())
    text = str(table)
    assert "(N, 6, 24, 24)" in text and "Total params: 8,806" in text


def test_shared_layers_count_once_and_frozen_parameters_are_non_trainable():
    shared = nn.Linear(4, 4)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    table = summary(model, (4,))
    assert table.total_params == 20 and [r.name for r in table.rows] == ["0", "1"]
    model[0].bias.requires_grad = False
    table = summary(model, (4,))
    assert (table.total_params, table.trainable_params) == (20, 16)
    assert table.to_dict()["trainable_params"] == 16


def test_layers_that_did_not_run_are_listed_last_without_a_shape():
    class Partial(nn.Module):
        def __init__(self):
            super().__init__()
            self.used = nn.Linear(3, 2)
            self.unused = nn.Linear(5, 5)

        def forward(self, x):
            return self.used(x)

    table = summary(Partial(), (3,))
    assert [(r.name, r.output_shape, r.params) for r in table.rows] == [("used", (2,), 8), ("unused", None, 30)]


def test_summary_leaves_the_model_as_it_was():
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    model.train()
    summary(model, (3,))
    assert model.training and all("forward" not in m.__dict__ for m in model.modules())


def test_recording_restores_forward_after_an_error():
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    with pytest.raises(ValueError), recording(model) as records:
        model(dn.tensor(np.zeros((1, 3), np.float32)))
        model(dn.tensor(np.zeros((1, 4), np.float32)))  # wrong width: the Linear refuses
    assert [r.name for r in records] == ["0", "1"]
    assert all("forward" not in m.__dict__ for m in model.modules())


@pytest.mark.parametrize(
    "shape, message",
    [
        ((0,), r"input_shape must be a tuple of positive integers \(one sample, no batch axis\), got \(0,\)"),
        ("abc", r"input_shape must be a tuple of positive integers"),
        ((3,), r"an input of shape \(3,\) \(per sample\) does not fit the model"),
    ],
)
def test_bad_input_shapes_are_refused(shape, message):
    with pytest.raises(ValueError, match=message):
        summary(nn.Linear(4, 2), shape)


def test_summary_refuses_what_is_not_a_module():
    with pytest.raises(ValueError, match="summary expects a deltanet.nn.Module, got list"):
        summary([nn.Linear(1, 1)], (1,))
