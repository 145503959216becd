"""Config capture (Module.get_config), the closed registry and what save refuses."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import nn
from deltanet.io import CheckpointError


@dn.io.register
class Residual(nn.Module):
    """A user module: built from scalars, with a skip connection."""

    def __init__(self, features, hidden=8, activation="tanh"):
        super().__init__()
        self.inner = nn.Sequential(
            nn.Linear(features, hidden), nn.Tanh() if activation == "tanh" else nn.ReLU(), nn.Linear(hidden, features)
        )

    def forward(self, x):
        return x + self.inner(x)


@dn.io.register
class Wrapper(nn.Module):
    """A user module whose constructor takes modules (positionally, as *blocks)."""

    def __init__(self, scale, *blocks, head=None):
        super().__init__()
        self.scale = scale
        self.blocks = nn.ModuleList(blocks)
        self.head = head

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.head(x * self.scale) if self.head is not None else x


class Unregistered(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)


def test_get_config_records_the_outermost_call_with_defaults():
    assert nn.Linear(4, 3).get_config() == {
        "in_features": 4,
        "out_features": 3,
        "bias": True,
        "init": None,
        "rng": None,
        "dtype": None,
    }
    # Conv2d's constructor is its base's: the arguments are those given to Conv2d(...).
    config = nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1).get_config()
    assert config["stride"] == 2 and config["output_padding"] == 1 and config["in_channels"] == 4
    assert nn.Upsample(scale_factor=(2, 3), mode="bilinear").get_config()["scale_factor"] == [2, 3]
    assert nn.ReLU().get_config() == {"inplace": False}


def test_numpy_values_become_json_and_generators_and_init_functions_are_dropped():
    config = nn.Linear(
        np.int64(4), 3, init=lambda t, rng=None: None, rng=np.random.default_rng(0), dtype=np.float64
    ).get_config()
    assert config["in_features"] == 4 and type(config["in_features"]) is int
    assert config["init"] is None and config["rng"] is None and config["dtype"] == "float64"
    assert nn.Linear(4, 3, init="he_normal", rng=3).get_config()["init"] == "he_normal"


def test_containers_list_their_children_including_appended_ones(tmp_path):
    seq = nn.Sequential(nn.Linear(2, 3))
    seq.append(nn.ReLU())
    assert seq.get_config() == {
        "layers": [
            {"class": "Linear", "config": nn.Linear(2, 3).get_config()},
            {"class": "ReLU", "config": {"inplace": False}},
        ]
    }
    blocks = nn.ModuleList(nn.Linear(2, 2) for _ in range(2))  # a generator: consumed, children kept
    assert [c["class"] for c in blocks.get_config()["modules"]] == ["Linear", "Linear"]
    dn.save(seq, tmp_path / "s.dnet")
    assert repr(dn.load(tmp_path / "s.dnet")) == repr(seq)


def test_user_classes_round_trip_with_module_arguments(tmp_path):
    model = Wrapper(0.5, Residual(3), Residual(3, hidden=4, activation="relu"), head=nn.Linear(3, 1))
    dn.save(model, tmp_path / "w.dnet")
    loaded = dn.load(tmp_path / "w.dnet")
    assert type(loaded) is Wrapper and loaded.scale == 0.5 and isinstance(loaded.blocks[1].inner[1], nn.ReLU)
    x = dn.tensor(np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32))
    assert np.array_equal(loaded(x).data, model(x).data)


def test_unregistered_class_is_refused_with_how_to_register(tmp_path):
    with pytest.raises(
        CheckpointError, match=r"Unregistered, which is not registered; decorate the class with @deltanet.io.register"
    ):
        dn.save(Unregistered(), tmp_path / "u.dnet")
    with pytest.raises(CheckpointError, match=r"layer 'extra' is a .*Unregistered"):
        model = nn.Sequential(nn.Linear(2, 2))
        model.extra = Unregistered()
        dn.save(model, tmp_path / "u.dnet")
    assert not (tmp_path / "u.dnet").exists()


def test_non_json_argument_is_refused_naming_layer_and_argument(tmp_path):
    @dn.io.register
    class Holder(nn.Module):
        def __init__(self, table):
            super().__init__()
            self.table = table

    with pytest.raises(CheckpointError, match=r"Holder: constructor argument 'table' is a ndarray"):
        dn.save(Holder(np.zeros(3)), tmp_path / "h.dnet")


def test_model_changed_after_construction_is_refused(tmp_path):
    model = Residual(3)
    model.extra = nn.Linear(3, 5)  # no longer what Residual(3) builds
    pattern = r"does not rebuild this model: layer 'extra' \(Linear\) is not in the model rebuilt.*changed after"
    with pytest.raises(CheckpointError, match=pattern):
        dn.save(model, tmp_path / "r.dnet")


def test_register_refuses_non_modules_and_name_clashes():
    with pytest.raises(ValueError, match="expected a subclass of deltanet.nn.Module"):
        dn.io.register(int)

    class Linear(nn.Module):  # same name as deltanet.nn.Linear
        pass

    with pytest.raises(ValueError, match=r"the name 'Linear' is already taken by deltanet.nn.linear.Linear"):
        dn.io.register(Linear)


def test_registry_holds_every_public_layer():
    names = dn.io.registry.registry()
    for name in ("Linear", "Conv2d", "ConvTranspose3d", "BatchNorm2d", "Upsample", "Sequential", "UNet"):
        assert name in names
    assert "Module" not in names and "Parameter" not in names
