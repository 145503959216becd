"""``CheckpointError``: the one exception that reading or writing a deltanet file raises."""

from __future__ import annotations


class CheckpointError(ValueError):
    """A deltanet file (``.dnet``) is broken, hostile, or does not fit the model; or a model cannot
    be saved. The message names the file member or the field that is wrong.

    A ``ValueError`` subclass, so ``except ValueError`` catches it too.

    Example:
        >>> import deltanet as dn
        >>> issubclass(dn.io.CheckpointError, ValueError)
        True
    """
