"""Grad mode belongs to the thread, as in PyTorch: ``no_grad`` (a ``predict``, a validation pass) in
one thread leaves recording on in the others, and a new thread starts with recording on."""

import threading

import numpy as np

import deltanet as dn


def _run(*targets):
    errors = []

    def guarded(target):
        def run():
            try:
                target()
            except BaseException as error:  # reported to the main thread below
                errors.append(error)

        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]


def test_no_grad_in_one_thread_leaves_the_other_recording():
    w = dn.ones(2, requires_grad=True)
    inside, checked = threading.Event(), threading.Event()
    seen = {}

    def predicting():
        with dn.no_grad():
            inside.set()
            checked.wait(timeout=30)
            seen["predicting"] = (w * 2).requires_grad

    def training():
        inside.wait(timeout=30)
        seen["training"] = (dn.is_grad_enabled(), (w * 2).requires_grad)
        checked.set()

    _run(predicting, training)
    assert seen == {"predicting": False, "training": (True, True)}


def test_a_new_thread_starts_with_recording_on():
    seen = []
    with dn.no_grad():
        _run(lambda: seen.append(dn.is_grad_enabled()))
        assert not dn.is_grad_enabled()
    assert seen == [True]


def test_two_threads_fit_with_validation_at_the_same_time():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((64, 4)), rng.integers(0, 3, 64)
    histories = {}

    def fit(name, seed):
        model = dn.nn.Sequential(dn.nn.Linear(4, 8, rng=seed), dn.nn.Tanh(), dn.nn.Linear(8, 3, rng=seed + 1))
        histories[name] = dn.fit(
            model,
            X,
            y,
            loss="cross_entropy",
            optimizer=dn.optim.SGD(model.parameters(), lr=0.1),
            epochs=4,
            batch_size=8,
            validation_data=(X[:16], y[:16]),
            verbose=0,
            rng=seed,
        )

    _run(lambda: fit("a", 1), lambda: fit("b", 2))
    for history in histories.values():
        losses = history.history["loss"]
        assert len(losses) == 4 and losses[-1] < losses[0]
