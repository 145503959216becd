"""``CheckpointError``: the one exception that reading or writing a deltanet file raises."""

from __future__ import annotations


class CheckpointError(ValueError):
    """A deltanet file (``.dnet``) is broken, hostile, or does not fit the model; or a model cannot
    be saved. The message names the file member or the field that is wrong.

    A ``ValueError`` subclass, so ``except ValueError`` catches it too.

    Examples:
        >>> import os, tempfile, deltanet as dn
        >>> path = os.path.join(tempfile.mkdtemp(), "not-a-model.dnet")
        >>> with open(path, "wb") as f:
        ...     _ = f.write(b"hello")
        >>> dn.load(path)
        Traceback (most recent call last):
        ...
        deltanet.io.errors.CheckpointError: ...
        >>> issubclass(dn.io.CheckpointError, ValueError)
        True
    """
