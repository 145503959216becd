"""Layer 6: ``torch.utils.tensorboard``: ``SummaryWriter`` writes TensorBoard's event files.

The optional ``tensorboard`` extra: ``pip install "deltanet[tensorboard]"`` (the ``tensorboard``
package, whose event writer and protocol buffers this uses). ``from torch.utils.tensorboard import
SummaryWriter`` becomes ``from deltanet.utils.tensorboard import SummaryWriter``; then
``tensorboard --logdir runs`` shows the runs.

Examples:
    >>> import tempfile
    >>> from deltanet.utils.tensorboard import SummaryWriter
    >>> with SummaryWriter(tempfile.mkdtemp()) as writer:
    ...     writer.add_scalar("loss/train", 0.25, 1)
"""

try:
    import tensorboard  # noqa: F401
except ImportError:
    raise ImportError(
        'deltanet.utils.tensorboard needs the tensorboard package: pip install "deltanet[tensorboard]"'
    ) from None

from deltanet.utils.tensorboard.files import FileWriter
from deltanet.utils.tensorboard.writer import SummaryWriter

__all__ = ["FileWriter", "SummaryWriter"]
