"""Layer 6: safe saving and loading of models, optimizers, training checkpoints and dicts of arrays.

One zip file of JSON and ``.npy`` arrays; no pickle, no imports by name, nothing extracted to
disk; every check happens before the loader allocates (see ``deltanet.io.files``). Layer types
come from a closed registry: everything in ``deltanet.nn`` and ``deltanet.models``, and the
classes you decorate with ``register``.

PyTorch's way of saving works too, without pickle (``deltanet.io.state``):

```python
dn.save(model.state_dict(), "weights.dnet")
model.load_state_dict(dn.load("weights.dnet"))
dn.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3}, "ckpt.dnet")
```

``dn.load`` returns what was saved, as ``torch.load`` does: a model for a saved model, a dict for a
saved dict, with tensors where tensors were saved (a ``state_dict()`` holds detached tensors that
share the model's memory, as PyTorch's; ``dn.save`` writes their arrays) and NumPy arrays where
arrays were. It takes PyTorch's ``map_location=`` (CPU only) and ``weights_only=`` (every deltanet
load is weights-only).
A PyTorch ``.pt`` file is a pickle and is refused, with how to convert it.

Changed hyperparameters are kept: ``layer.negative_slope = 0.3`` before ``dn.save(model, ...)``
loads as 0.3; a change that the file cannot express is refused, naming the layer and the
attribute, never dropped (see ``deltanet.io.files``).

PyTorch weights, both ways (the names and shapes of ``state_dict`` are PyTorch's):

```python
model.load_state_dict({k: v.detach().cpu().numpy() for k, v in torch_model.state_dict().items()})
torch_model.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in model.state_dict().items()})
```

A PyTorch batch-norm layer's ``num_batches_tracked`` is an int64 0-d tensor here too.

Examples:
    >>> import os, tempfile, deltanet as dn
    >>> path = os.path.join(tempfile.mkdtemp(), "mlp.dnet")
    >>> dn.save(dn.nn.Sequential(dn.nn.Linear(4, 8), dn.nn.Tanh(), dn.nn.Linear(8, 3)), path)
    >>> dn.load(path)[2]
    Linear(in_features=8, out_features=3, bias=True)
"""

from deltanet.io.errors import CheckpointError
from deltanet.io.files import Checkpoint, load, load_checkpoint, save
from deltanet.io.registry import register

__all__ = ["Checkpoint", "CheckpointError", "load", "load_checkpoint", "register", "save"]
