"""Callbacks the training tests share: a simulated crash, and a scheduler stepped outside ``fit``."""

import deltanet as dn


class Interrupted(Exception):
    pass


class CrashAfter(dn.callbacks.Callback):
    """Simulates a crash right after the k-th optimizer step of the run."""

    def __init__(self, k):
        super().__init__()
        self.k, self.steps = k, 0

    def on_batch_end(self, step, logs=None):
        self.steps += 1
        if self.steps == self.k:
            raise Interrupted


class StepScheduler(dn.callbacks.Callback):
    """Steps ``scheduler`` at each epoch's end: a schedule of one's own, which ``fit`` cannot see."""

    def __init__(self, scheduler):
        super().__init__()
        self.scheduler = scheduler

    def on_epoch_end(self, epoch, logs=None):
        self.scheduler.step()
