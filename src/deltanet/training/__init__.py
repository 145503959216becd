"""Layer 6: the training loop (``fit``), ``evaluate`` and ``predict``, and the callbacks that
watch training (``History``, ``EarlyStopping``, ``TerminateOnNaN``, ``ModelCheckpoint``)."""

from deltanet.training import callbacks
from deltanet.training.callbacks import Callback, EarlyStopping, History, ModelCheckpoint, TerminateOnNaN
from deltanet.training.evaluation import evaluate, predict
from deltanet.training.fit import TrainingDivergedError, fit

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "ModelCheckpoint",
    "TerminateOnNaN",
    "TrainingDivergedError",
    "callbacks",
    "evaluate",
    "fit",
    "predict",
]
