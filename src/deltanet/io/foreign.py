"""Files that are not deltanet files but are often mistaken for one: say what they are and how to
bring their weights over, instead of a bare "not a zip archive".

A PyTorch ``.pt``/``.pth`` file is a pickle (inside a zip since PyTorch 1.6): unpickling runs
whatever code the file names, so deltanet never reads one. Its weights come over as NumPy arrays,
converted where PyTorch is installed (the names and shapes of a deltanet ``state_dict`` are
PyTorch's).
"""

from __future__ import annotations

#: How to bring a PyTorch file's weights over: one line, where torch and deltanet are installed.
TORCH_HOWTO = (
    "convert it where PyTorch and deltanet are installed: "
    "dn.save(torch.load(path, weights_only=True), 'weights.dnet') (its tensors become NumPy arrays), "
    "then here model.load_state_dict(dn.load('weights.dnet')); or, with PyTorch alone: "
    "sd = torch.load(path, weights_only=True); "
    "numpy.savez('weights.npz', **{k: v.cpu().numpy() for k, v in sd.items()}), "
    "then here model.load_state_dict(dict(numpy.load('weights.npz')))"
)
_PICKLE = "a Python pickle, which deltanet never loads (unpickling can run any code)"


def recognize_bytes(head: bytes) -> str | None:
    """What a file that is not a zip archive is, from its first bytes (None: unknown)."""
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return f"a PyTorch file in the legacy format (torch.save) or another pickle: {_PICKLE}; {TORCH_HOWTO}"
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return "an HDF5 file (a Keras .h5 model?), not a deltanet file; read its arrays with h5py"
    if head.startswith(b"\x93NUMPY"):
        return "a NumPy .npy array, not a deltanet file; read it with numpy.load(path)"
    if len(head) >= 10 and head[8:10] == b'{"':
        return (
            "a safetensors file, not a deltanet file; read it with safetensors.numpy.load_file(path) "
            "and give the dict to model.load_state_dict"
        )
    return None


def recognize_members(names: list[str]) -> str | None:
    """What a zip archive that is not a deltanet file is, from its member names (None: unknown)."""
    if any(name == "data.pkl" or name.endswith("/data.pkl") for name in names):
        return f"a PyTorch file (torch.save writes a zip around {_PICKLE}); {TORCH_HOWTO}"
    if any(name.endswith(".pkl") for name in names):
        return f"a zip archive holding {_PICKLE}"
    if names and all(name.endswith(".npy") for name in names):
        return (
            "a NumPy .npz archive, not a deltanet file; read it with dict(numpy.load(path)) "
            "(which refuses pickles) and give that to model.load_state_dict"
        )
    return None
