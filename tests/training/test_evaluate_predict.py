"""evaluate and predict: NumPy outputs, evaluation mode, no graph, batching, metrics."""

import numpy as np
import pytest

import deltanet as dn
from deltanet import losses, metrics, nn


class ModeDependent(nn.Module):
    """Adds 1 to its output in training mode, so the mode shows in the numbers."""

    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(3, 2, dtype=np.float64, rng=0)
        self.grad_enabled = []

    def forward(self, x):
        self.grad_enabled.append(dn.is_grad_enabled())
        z = self.layer(x)
        return z + 1.0 if self.training else z


X = np.random.default_rng(0).standard_normal((7, 3))
Y = np.array([0, 1, 1, 0, 1, 0, 0])


def reference(model, X):
    W, b = model.layer.weight.array, model.layer.bias.array
    return X @ W.T + b


def test_predict_returns_eval_mode_numpy_outputs_without_a_graph():
    model = ModeDependent()
    model.train()
    out = dn.predict(model, X)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    np.testing.assert_allclose(out, reference(model, X), rtol=1e-15)
    assert model.training is True  # restored
    assert model.grad_enabled[-1] is False
    assert dn.is_grad_enabled()


@pytest.mark.parametrize("batch_size", [None, 1, 3, 7, 100])
def test_predict_in_batches_gives_the_same_outputs(batch_size):
    model = ModeDependent()
    np.testing.assert_allclose(dn.predict(model, X, batch_size=batch_size), reference(model, X), rtol=1e-12)


def test_predict_returns_a_copy():
    model = ModeDependent()
    out = dn.predict(model, X)
    out[...] = 0
    assert not np.array_equal(dn.predict(model, X), out)


def test_predict_converts_to_the_model_dtype():
    model = nn.Linear(3, 2)  # float32
    assert dn.predict(model, X).dtype == np.float32
    assert dn.predict(model, X.astype(int)).dtype == np.float32


def test_evaluate_loss_and_metrics_against_numpy():
    model = ModeDependent()
    model.train()
    z = reference(model, X)
    log_softmax = z - z.max(axis=1, keepdims=True)
    log_softmax -= np.log(np.exp(log_softmax).sum(axis=1, keepdims=True))
    expected_loss = -log_softmax[np.arange(len(Y)), Y].mean()
    expected_acc = (z.argmax(axis=1) == Y).mean()
    result = dn.evaluate(model, X, Y, loss=losses.CrossEntropy(), metrics=["accuracy", metrics.classification_error])
    assert set(result) == {"loss", "accuracy", "classification_error"}
    assert result["loss"] == pytest.approx(expected_loss, rel=1e-12)
    assert result["accuracy"] == pytest.approx(expected_acc)
    assert result["classification_error"] == pytest.approx(1 - expected_acc)
    assert model.training is True


def test_evaluate_is_exact_for_sum_reduction_in_batches():
    model = ModeDependent()
    y = np.random.default_rng(1).standard_normal((7, 2))
    whole = dn.evaluate(model, X, y, loss=losses.MSELoss(reduction="sum"), metrics=[])
    batched = dn.evaluate(model, X, y, loss=losses.MSELoss(reduction="sum"), metrics=[], batch_size=2)
    expected = np.sum((reference(model, X) - y) ** 2)
    assert whole["loss"] == pytest.approx(expected, rel=1e-12)
    assert batched["loss"] == pytest.approx(expected, rel=1e-12)


def test_evaluate_default_metric_is_accuracy_and_loss_is_optional():
    model = ModeDependent()
    assert set(dn.evaluate(model, X, Y)) == {"accuracy"}


def test_a_regression_loss_gets_no_default_accuracy():
    # The diabetes targets are whole numbers (151.0, 75.0, ...): accuracy was computed from them
    # silently (0.0), and of an autoencoder's images as the match of the brightest pixel.
    data = dn.data.load_diabetes()
    dn.manual_seed(0)
    model = nn.Linear(10, 1)
    assert list(dn.evaluate(model, data.X, data.y, loss="mse")) == ["loss"]
    images = np.random.default_rng(0).random((5, 4))
    autoencoder = nn.Linear(4, 4)
    assert list(dn.evaluate(autoencoder, images, images, loss=losses.L1Loss())) == ["loss"]
    # Asked for, it is computed: a classifier trained with MSE on one-hot rows.
    X, y = np.random.default_rng(1).normal(size=(6, 4)), np.array([0, 1, 2, 0, 1, 2])
    model = nn.Linear(4, 3)
    asked = dn.evaluate(model, X, np.eye(3)[y], loss="mse", metrics=["accuracy"])
    assert asked["accuracy"] == dn.evaluate(model, X, y)["accuracy"]
    # A loss that does not say what its targets are: accuracy of integer labels only.
    plain = dn.evaluate(model, X, y, loss=lambda out, t: nn.functional.cross_entropy(out, t))
    assert set(plain) == {"loss", "accuracy"}


def test_cats_and_dogs_table_of_seeds_000():
    """[de Back 2018]: two dog/cat networks with the same classification error 1/3, but cross-entropy
    0.38 (NN1: confident where right) vs 1.06 (NN2); columns are (dog, cat)."""
    targets = np.array([0, 1, 0])  # dog, cat, dog
    probs_1 = np.array([[0.9, 0.1], [0.1, 0.9], [0.4, 0.6]])
    probs_2 = np.array([[0.6, 0.4], [0.3, 0.7], [0.1, 0.9]])

    class Fixed(nn.Module):
        def __init__(self, probs):
            super().__init__()
            self.logits = dn.tensor(np.log(probs))  # softmax(log p) = p

        def forward(self, x):
            return self.logits

    results = [
        dn.evaluate(Fixed(p), np.zeros((3, 1)), targets, loss="cross_entropy", metrics=["classification_error"])
        for p in (probs_1, probs_2)
    ]
    assert [round(r["classification_error"], 2) for r in results] == [0.33, 0.33]
    assert [round(r["loss"], 2) for r in results] == [0.38, 1.06]


def _positive_logits_model():
    # Logits 0.1 to 0.4: sigma(z) > 0.5, every sample is class 1, and every logit lies in [0, 1],
    # where a bare array of scores reads as probabilities (class 1 above 0.5).
    model = nn.Linear(2, 1, dtype="float64")
    model.weight.array[...] = [[0.1, 0.1]]
    model.bias.array[...] = 0.0
    return model, np.array([[1.0, 1.0], [2.0, 0.5], [0.5, 0.5], [3.0, 1.0]]), np.ones((4, 1))


@pytest.mark.parametrize(
    "loss", [losses.BCEWithLogitsLoss(), "bce_with_logits", dn.functional.binary_cross_entropy_with_logits]
)
def test_metrics_read_the_logits_of_a_logits_loss_as_logits(loss):
    model, X, y = _positive_logits_model()
    assert dn.evaluate(model, X, y, loss=loss, metrics=["accuracy", "f1"]) == pytest.approx(
        {
            "loss": float(losses.BCEWithLogitsLoss()(model(dn.tensor(X)), dn.tensor(y)).item()),
            "accuracy": 1.0,
            "f1": 1.0,
        }
    )


def test_fit_reads_the_logits_of_a_logits_loss_as_logits():
    model, X, y = _positive_logits_model()
    history = dn.fit(model, X, y, losses.BCEWithLogitsLoss(), dn.optim.SGD(model.parameters(), lr=0.0), epochs=1,
                     batch_size=None, metrics=["accuracy"], validation_data=(X, y), verbose=0)  # fmt: skip
    assert history.history["accuracy"] == [1.0] and history.history["val_accuracy"] == [1.0]


def test_probabilities_of_bce_loss_are_read_as_probabilities():
    model, X, y = _positive_logits_model()  # outputs 0.1 to 0.4, read as probabilities: class 0
    assert dn.evaluate(model, X, y, loss=losses.BCELoss(), metrics=["accuracy"])["accuracy"] == 0.0


@pytest.mark.parametrize("loss", [losses.HingeLoss(), nn.SoftMarginLoss()])
@pytest.mark.parametrize("column", [False, True])
def test_metrics_of_a_loss_on_labels_plus_minus_one(loss, column):
    # Targets -1 and +1, decided by the sign of the score: a model right on every sample.
    model = nn.Linear(1, 1, dtype="float64")
    model.weight.array[...] = [[0.25]]
    model.bias.array[...] = 0.0
    X = np.array([[-2.0], [-1.0], [1.0], [2.0], [3.0]])
    y = np.array([-1.0, -1.0, 1.0, 1.0, 1.0])
    y = y.reshape(-1, 1) if column else y
    results = dn.evaluate(model, X, y, loss=loss, metrics=["accuracy", "f1", "roc_auc"])
    assert (results["accuracy"], results["f1"], results["roc_auc"]) == (1.0, 1.0, 1.0)


def _frozen_batch_norm():
    dn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4, 2))
    model.train()
    model[1].eval()  # PyTorch's habit for a frozen batch norm: its running statistics stay as they are
    return model


def _modes(model):
    return [m.training for m in model.modules()]


@pytest.mark.parametrize(
    "call",
    [
        lambda m, X, y: dn.predict(m, X),
        lambda m, X, y: dn.evaluate(m, X, y, loss="cross_entropy"),
        lambda m, X, y: nn.summary.summary(m, (3,)),
        lambda m, X, y: dn.fit(
            m, X, y, "cross_entropy", dn.optim.SGD(m.parameters(), lr=0.0), epochs=1, validation_data=(X, y), verbose=0
        ),  # fmt: skip
    ],
)
def test_predict_evaluate_and_fit_give_back_every_module_its_own_mode(call):
    X, y = np.random.default_rng(0).normal(size=(8, 3)), np.array([0, 1] * 4)
    model = _frozen_batch_norm()
    before = _modes(model)
    call(model, X, y)
    assert _modes(model) == before  # not every module in the model's mode: the batch norm stays frozen
