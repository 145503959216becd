r"""``torch.nn.utils.rnn``: sequences of different lengths for the recurrent layers.

``pad_sequence`` and ``unpad_sequence`` are PyTorch's. Packed sequences (``PackedSequence``,
``pack_padded_sequence``, ``pack_sequence``, ``pad_packed_sequence``) are not supported: the
recurrent layers take padded tensors only, and each of these raises an error that says so and
what to do instead. With right padding, the state after each sequence's last valid step is
what packing would have given as $h_n$, read from the output of a unidirectional layer:

$$
h^{(n)} = \text{out}[n, \ell_n - 1] \qquad (\text{batch\_first}, \ \ell_n \text{ the length of sequence } n)
$$

Importable by PyTorch's path: ``from deltanet.nn.utils.rnn import pad_sequence`` (after the
rename, ``from torch.nn.utils.rnn import ...``).
"""

from __future__ import annotations

from typing import Any, NoReturn

from deltanet import _checks as check
from deltanet.autograd import Tensor, as_tensor, cat, stack
from deltanet.autograd.factories import full

ALTERNATIVE = (
    "deltanet's recurrent layers take padded batches only: pad with "
    "pad_sequence(sequences, batch_first=True), run the layer on the padded batch, and read each "
    "sequence's last valid step as out[torch.arange(N), lengths - 1] (for a unidirectional layer; "
    "the outputs after a sequence's end are then not used)"
)


def pad_sequence(
    sequences: Any, batch_first: bool = False, padding_value: float = 0.0, padding_side: str = "right"
) -> Tensor:
    r"""Stack sequences of different lengths into one tensor, padded to the longest, as in PyTorch.

    $$
    \text{out}[t, n] = \begin{cases} x_n[t] & t < \ell_n \\ \text{padding\_value} & \text{otherwise} \end{cases}
    $$

    Differentiable: each sequence receives the gradient of its own (unpadded) entries.

    Args:
        sequences: a list (or tuple) of tensors of shapes $(\ell_n, *)$, the same $*$.
        batch_first: put the batch first: $(N, T, *)$ instead of $(T, N, *)$.
        padding_value: the value of the padded entries.
        padding_side: "right" (default, after each sequence) or "left" (before).

    Shape:
        - sequences: $(\ell_n, *)$ each.
        - output: $(T, N, *)$, or $(N, T, *)$ with batch_first; $T = \max_n \ell_n$.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils.rnn import pad_sequence
        >>> pad_sequence([dn.ones(2), dn.ones(3) * 2], batch_first=True).tolist()
        [[1.0, 1.0, 0.0], [2.0, 2.0, 2.0]]
    """
    check.flag(batch_first, "batch_first", "pad_sequence")
    side = check.one_of(padding_side, "padding_side", ("right", "left"), "pad_sequence")
    value = check.number(padding_value, "padding_value", "pad_sequence", finite=False)
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))  # PyTorch accepts a tensor: its rows are the sequences
    if not isinstance(sequences, (list, tuple)) or not sequences:
        raise ValueError(f"pad_sequence: sequences must be a non-empty list of tensors, got {sequences!r}")
    xs = [as_tensor(s) for s in sequences]
    trailing = xs[0].shape[1:] if xs[0].ndim else None
    for i, x in enumerate(xs):
        if x.ndim == 0 or x.shape[1:] != trailing:
            raise ValueError(
                f"pad_sequence: every sequence must have the shape (length, *{trailing or ()}), "
                f"got shape {x.shape} for sequence {i} and {xs[0].shape} for sequence 0"
            )
    T = max(x.shape[0] for x in xs)
    padded = []
    for x in xs:
        missing = T - x.shape[0]
        if missing:
            pad = full((missing, *x.shape[1:]), value, dtype=x.dtype)
            x = cat([x, pad] if side == "right" else [pad, x], dim=0)
        padded.append(x)
    return stack(padded, dim=0 if batch_first else 1)


def unpad_sequence(padded_sequences: Any, lengths: Any, batch_first: bool = False) -> list[Tensor]:
    r"""The list of sequences that ``pad_sequence`` (right padding) joined: $x_n = \text{padded}[n, :\ell_n]$.

    Args:
        padded_sequences: $(T, N, *)$, or $(N, T, *)$ with batch_first.
        lengths: the $N$ lengths $\ell_n$ (a list or a 1-D integer tensor).
        batch_first: the batch is the first axis.

    Returns:
        A list of $N$ tensors of shapes $(\ell_n, *)$.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils.rnn import pad_sequence, unpad_sequence
        >>> padded = pad_sequence([dn.ones(2), dn.ones(3)], batch_first=True)
        >>> [s.shape for s in unpad_sequence(padded, [2, 3], batch_first=True)]
        [(2,), (3,)]
    """
    x = as_tensor(padded_sequences)
    if not check.flag(batch_first, "batch_first", "unpad_sequence"):
        x = x.transpose(0, 1)
    sizes = [int(n) for n in (lengths.tolist() if hasattr(lengths, "tolist") else lengths)]
    if x.ndim < 2 or len(sizes) != x.shape[0] or any(not 0 <= n <= x.shape[1] for n in sizes):
        raise ValueError(
            f"unpad_sequence: expected {x.shape[0] if x.ndim else 0} lengths between 0 and "
            f"{x.shape[1] if x.ndim > 1 else 0} for padded sequences of shape {as_tensor(padded_sequences).shape}, "
            f"got {sizes}"
        )
    return [x[n, :length] for n, length in enumerate(sizes)]


def _unsupported(name: str) -> NoReturn:
    raise NotImplementedError(f"{name}: packed sequences (PackedSequence) are not supported; {ALTERNATIVE}")


def pack_padded_sequence(input: Any, lengths: Any, batch_first: bool = False, enforce_sorted: bool = True) -> NoReturn:
    """Not supported: raises ``NotImplementedError`` naming the alternative (see the module docstring).

    Args:
        input: a padded batch.
        lengths: the length of each sequence.
        batch_first: the batch is the first axis.
        enforce_sorted: PyTorch's argument (not used).

    Raises:
        NotImplementedError: always.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils.rnn import pack_padded_sequence
        >>> try:
        ...     pack_padded_sequence(dn.zeros(2, 3, 1), [3, 2], batch_first=True)
        ... except NotImplementedError as error:
        ...     print(str(error)[:60])
        pack_padded_sequence: packed sequences (PackedSequence) are
    """
    _unsupported("pack_padded_sequence")


def pack_sequence(sequences: Any, enforce_sorted: bool = True) -> NoReturn:
    """Not supported: raises ``NotImplementedError`` naming the alternative (``pad_sequence``).

    Args:
        sequences: tensors of different lengths.
        enforce_sorted: PyTorch's argument (not used).

    Raises:
        NotImplementedError: always.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils.rnn import pack_sequence
        >>> try:
        ...     pack_sequence([dn.ones(2)])
        ... except NotImplementedError as error:
        ...     print(str(error)[:13])
        pack_sequence
    """
    _unsupported("pack_sequence")


def pad_packed_sequence(
    sequence: Any, batch_first: bool = False, padding_value: float = 0.0, total_length: Any = None
) -> NoReturn:
    """Not supported: raises ``NotImplementedError`` naming the alternative (see the module docstring).

    Args:
        sequence: a packed sequence.
        batch_first: the batch is the first axis.
        padding_value: the value of the padded entries.
        total_length: the padded length.

    Raises:
        NotImplementedError: always.

    Examples:
        >>> from deltanet.nn.utils.rnn import pad_packed_sequence
        >>> try:
        ...     pad_packed_sequence(None)
        ... except NotImplementedError as error:
        ...     print(str(error)[:19])
        pad_packed_sequence
    """
    _unsupported("pad_packed_sequence")


class PackedSequence:
    """Not supported: constructing one raises ``NotImplementedError`` naming the alternative.

    Args:
        *args: PyTorch's fields (data, batch_sizes, sorted_indices, unsorted_indices).
        **kwargs: likewise.

    Examples:
        >>> from deltanet.nn.utils.rnn import PackedSequence
        >>> try:
        ...     PackedSequence()
        ... except NotImplementedError as error:
        ...     print(str(error)[:14])
        PackedSequence
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _unsupported("PackedSequence")


__all__ = [
    "PackedSequence",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
]
