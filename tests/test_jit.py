"""``deltanet.jit``: script and trace return the model; TorchScript archives are refused by name."""

import pytest

import deltanet as dn

# PyTorch 2.13's deprecation of TorchScript, repeated by script/trace: asserted once, below.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")


def test_script_and_trace_return_the_model_itself():
    model = dn.nn.Sequential(dn.nn.Linear(3, 2), dn.nn.ReLU())
    x = dn.ones(4, 3)
    with pytest.warns(DeprecationWarning, match=r"`torch.jit.script` is deprecated. Please switch to `torch.compile`"):
        assert dn.jit.script(model) is model
    with pytest.warns(DeprecationWarning, match=r"`torch.jit.trace` is deprecated"):
        assert dn.jit.trace(model, x) is model
    assert dn.jit.trace(model, example_inputs=(x,), check_trace=False) is model
    assert dn.jit.freeze(dn.jit.script(model.eval())) is model
    assert not dn.jit.is_scripting() and not dn.jit.is_tracing()


def test_decorators_return_the_function():
    class Net(dn.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = dn.nn.Linear(2, 2)

        @dn.jit.ignore
        def debug(self, x):
            return x + 1

        @dn.jit.ignore(drop=True)
        def dropped(self, x):
            return x * 2

        @dn.jit.unused
        def unused(self, x):
            return x - 1

        @dn.jit.export
        def exported(self, x):
            return self.fc(x)

        def forward(self, x):
            return self.fc(x)

    net = dn.jit.script(Net())
    assert net.debug(1) == 2 and net.dropped(2) == 4 and net.unused(3) == 2
    assert net.exported(dn.ones(1, 2)).shape == (1, 2)


def test_not_callable_is_refused():
    with pytest.raises(TypeError, match=r"torch.jit.script: expected a module or a function, got int"):
        dn.jit.script(3)
    with pytest.raises(TypeError, match=r"torch.jit.trace: expected a module or a function"):
        dn.jit.trace("model", None)


def test_archives_are_refused_naming_what_to_use(tmp_path):
    model = dn.jit.script(dn.nn.Linear(2, 1))
    with pytest.raises(RuntimeError, match=r"torch.jit.save cannot write .*dn.save\(model, path\).*dn.onnx.export"):
        dn.jit.save(model, tmp_path / "m.pt")
    with pytest.raises(RuntimeError, match=r"torch.jit.load cannot read .*dn.load\(path\)"):
        dn.jit.load(tmp_path / "m.pt")
    with pytest.raises(AttributeError, match=r"Linear has no method 'save': deltanet has no TorchScript.*dn.save"):
        model.save(str(tmp_path / "m.pt"))
    assert not hasattr(model, "save")
    with pytest.raises(AttributeError, match=r"'Linear' object has no attribute 'weigth'"):
        model.weigth  # noqa: B018 - the error is the point


def test_the_rest_of_the_namespace():
    model = dn.nn.Linear(2, 1).eval()
    assert dn.jit.optimize_for_inference(model) is model
    assert dn.jit.annotate(list, [1]) == [1]
    assert not isinstance(model, dn.jit.ScriptModule)
    with pytest.raises(RuntimeError, match="a ScriptModule cannot be built"):
        dn.jit.ScriptModule()

    class Net(dn.nn.Module):
        scale: dn.jit.Final[float]

        def __init__(self):
            super().__init__()
            self.scale = 2.0

    assert Net().scale == 2.0
