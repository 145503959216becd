"""Layer 7: ONNX export (the ``onnx`` extra: ``pip install 'deltanet[onnx]'``).

``dn.onnx.export(model, "model.onnx", input_shape=(1, 1, 28, 28))`` writes a graph that
``onnx.checker`` accepts and onnxruntime runs with deltanet's outputs (to 1e-5 in float32). The
``onnx`` package is imported only when ``export`` runs. See ``deltanet.onnx.export`` for how
the graph is traced and ``deltanet.onnx.converters`` for the operators each layer becomes.

Examples:
    >>> import deltanet as dn
    >>> dn.onnx.converters.converter_for(dn.nn.Conv2d(1, 6, 5)).__name__
    'conv'
"""

from deltanet.onnx import converters
from deltanet.onnx.converters import CONVERTERS, ExportError
from deltanet.onnx.export import export

__all__ = ["CONVERTERS", "ExportError", "converters", "export"]
