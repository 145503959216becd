"""Layer 6: the training loop (``fit``), ``evaluate`` and ``predict``, and the callbacks that
watch training (``History``, ``EarlyStopping``, ``TerminateOnNaN``, ``LearningRateScheduler``,
``ModelCheckpoint``, and the ``Monitor`` that ``fit`` adds by default); ``compile_step``, a
training step replayed without the graph."""

from deltanet.training import callbacks
from deltanet.training.callbacks import (
    Callback,
    EarlyStopping,
    History,
    LearningRateScheduler,
    ModelCheckpoint,
    TerminateOnNaN,
)
from deltanet.training.compiled import CompiledStep, compile_step
from deltanet.training.evaluation import evaluate, predict
from deltanet.training.fit import TrainingDivergedError, fit
from deltanet.training.monitor import DeltanetWarning, Monitor

__all__ = [
    "Callback",
    "CompiledStep",
    "DeltanetWarning",
    "EarlyStopping",
    "History",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "Monitor",
    "TerminateOnNaN",
    "TrainingDivergedError",
    "callbacks",
    "compile_step",
    "evaluate",
    "fit",
    "predict",
]
