"""A tab's session: play, pause, step, a new network, explain, closing; and two at once.

Two sessions train in two threads at the same time; each must get exactly the loss curve it
gets alone (nothing shared: not the random numbers, not grad mode).
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from deltanet.playground.config import parse
from deltanet.playground.session import Session


@pytest.fixture
def session():
    created = Session(parse({"n": 100, "hidden": [3]}))
    yield created
    created.close()


def _wait(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_it_waits_for_play_and_steps_one_epoch(session: Session) -> None:
    assert _wait(lambda: session.state()[1].get("units") is not None)  # the untrained network is drawn
    time.sleep(0.2)
    assert session.epochs == 0  # nothing trains before play or step
    session.step()
    assert session.wait_for_epochs(1) == 1
    time.sleep(0.2)
    assert session.epochs == 1
    version, state = session.state()
    assert state["status"] == "paused" and state["epoch"] == 1 and len(state["history"]["loss"]) == 1
    assert state["layers"] == [2, 3, 2] and len(state["points"]["train"]) == 50


def test_play_trains_and_pause_stops(session: Session) -> None:
    session.play()
    assert session.wait_for_epochs(20) >= 20
    assert session.state()[1]["status"] == "training"
    session.pause()
    time.sleep(0.1)
    stopped = session.epochs
    time.sleep(0.3)
    assert session.epochs == stopped
    losses = session.history["loss"]
    assert losses[-1] < losses[0]


def test_a_new_config_builds_a_new_network(session: Session) -> None:
    session.step()
    session.wait_for_epochs(1)
    session.configure({"activation": "relu", "hidden": [5, 2]})
    assert _wait(lambda: session.state()[1].get("layers") == [2, 5, 2, 2] and session.epochs == 0)
    assert [type(m).__name__ for m in session.run.model][:2] == ["Linear", "ReLU"]


def test_explain_gives_the_gradients_of_one_sample(session: Session) -> None:
    session.step()
    session.wait_for_epochs(1)
    result = session.explain(5)
    assert result["index"] == 5 and "δ[2]" in result["text"] and "∂L/∂W[1]" in result["text"]
    assert np.allclose(result["x"], session.data.X_train[5])
    assert session.explain(105)["index"] == 5  # wraps around the 50 training samples


def test_a_diverging_run_says_so() -> None:
    diverging = Session(parse({"dataset": "regression", "lr": 10, "optimizer": "sgd", "momentum": 0.9, "n": 50}))
    try:
        diverging.play()
        assert _wait(lambda: diverging.state()[1]["status"] == "diverged")
        assert "loss became" in diverging.state()[1]["message"]
        assert diverging.alive  # the thread waits for a new network
        diverging.configure({"lr": 0.01})  # a new network, paused: the page shows it before it trains
        assert _wait(lambda: diverging.state()[1]["status"] == "paused" and diverging.state()[1]["message"] == "")
        diverging.play()
        assert diverging.wait_for_epochs(5) >= 5 and diverging.state()[1]["status"] == "training"
    finally:
        diverging.close()


def test_the_monitors_warnings_reach_the_page() -> None:
    symmetric = Session(parse({"init": "zeros", "n": 60}))
    try:
        symmetric.step()
        symmetric.wait_for_epochs(1)
        assert _wait(lambda: any(e["kind"] == "symmetric" for e in symmetric.state()[1]["events"]))
        event = next(e for e in symmetric.state()[1]["events"] if e["kind"] == "symmetric")
        assert event["layer"] == "0" and event["message"] and event["advice"]
    finally:
        symmetric.close()


def test_close_ends_the_thread(session: Session) -> None:
    session.play()
    session.wait_for_epochs(3)
    session.close()
    assert not session.alive


def test_two_sessions_at_once_are_independent() -> None:
    fields = {"n": 120, "hidden": [4, 4], "dropout": 0.1, "batch_size": 4}
    alone = Session(parse(fields))
    alone.step()
    for _ in range(24):
        alone.step()
    alone.wait_for_epochs(25)
    reference = list(alone.history["loss"])
    alone.close()
    assert len(reference) == 25

    sessions = [Session(parse(fields)), Session(parse({**fields, "seed": 1}))]
    try:
        for s in sessions:
            s.play()
        threading.Event().wait(0.05)
        assert all(s.wait_for_epochs(25) >= 25 for s in sessions)
        for s in sessions:
            s.pause()
    finally:
        for s in sessions:
            s.close()
    assert sessions[0].history["loss"][:25] == reference  # bit for bit, while another trained
    assert sessions[1].history["loss"][:25] != reference
