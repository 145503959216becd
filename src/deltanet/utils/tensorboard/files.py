"""``FileWriter``: one event file in one folder, written by TensorBoard's ``EventFileWriter``.

The writer queues events and a background thread writes them (every ``flush_secs`` seconds, or
when ``max_queue`` events wait); this class stamps each event with its wall time and step, as
PyTorch's ``FileWriter`` does.
"""

from __future__ import annotations

import time
from typing import Any

from tensorboard.compat.proto.event_pb2 import Event
from tensorboard.compat.proto.summary_pb2 import Summary
from tensorboard.summary.writer.event_file_writer import EventFileWriter


class FileWriter:
    """One event file in one folder (PyTorch's ``FileWriter``): ``SummaryWriter`` keeps one per folder.

    Args:
        log_dir: the folder (made if missing).
        max_queue: events held before a write is forced.
        flush_secs: seconds between the background thread's flushes.
        filename_suffix: appended to the event file's name.

    Examples:
        >>> import tempfile
        >>> from deltanet.utils.tensorboard.files import FileWriter
        >>> w = FileWriter(tempfile.mkdtemp()); w.close()
    """

    def __init__(self, log_dir: Any, max_queue: int = 10, flush_secs: float = 120, filename_suffix: str = "") -> None:
        self.event_writer = EventFileWriter(str(log_dir), max_queue, flush_secs, filename_suffix)

    def get_logdir(self) -> str:
        """The folder of the event file."""
        return str(self.event_writer.get_logdir())

    def add_event(self, event: Event, step: int | None = None, walltime: float | None = None) -> None:
        """Queue ``event`` with its wall time (now, unless given) and step.

        Args:
            event: an ``Event`` protocol buffer.
            step: the global step, or None.
            walltime: seconds since the epoch, or None for now.
        """
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)
        self.event_writer.add_event(event)

    def add_summary(self, summary: Summary, global_step: int | None = None, walltime: float | None = None) -> None:
        """Queue ``summary`` in an event.

        Args:
            summary: a ``Summary`` protocol buffer.
            global_step: the global step, or None.
            walltime: seconds since the epoch, or None for now.
        """
        self.add_event(Event(summary=summary), global_step, walltime)

    def flush(self) -> None:
        """Write the queued events to the file."""
        self.event_writer.flush()

    def close(self) -> None:
        """Flush and close the file."""
        self.event_writer.close()

    def reopen(self) -> None:
        """Open a new event file in the same folder after ``close`` (nothing if still open)."""
        self.event_writer.reopen()
