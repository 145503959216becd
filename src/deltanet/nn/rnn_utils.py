r"""``torch.nn.utils.rnn``: sequences of different lengths for the recurrent layers, as in PyTorch.

``pad_sequence`` stacks sequences into one padded batch; ``pack_padded_sequence`` and
``pack_sequence`` pack them time step by time step into a ``PackedSequence`` (``data`` and
``batch_sizes``), which ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU`` take in place of a padded batch:
each sequence then stops at its own length, so the final state $h_n$ of sequence $n$ is its state
after step $\ell_n$ (and the reverse direction starts there), and the output comes back packed;
``pad_packed_sequence`` turns it back into a padded batch and the lengths. All of it is
differentiable (gathers and scatters of rows).

Importable by PyTorch's path: ``from deltanet.nn.utils.rnn import pack_padded_sequence`` (after
the rename, ``from torch.nn.utils.rnn import ...``)."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor, as_tensor, cat, stack
from deltanet.autograd.factories import full


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


class PackedSequence(NamedTuple):
    r"""A batch of sequences of different lengths, packed time step by time step, as PyTorch's.

    ``data`` holds, for $t = 0, 1, \dots$, the step $t$ of every sequence longer than $t$ (the
    sequences sorted by decreasing length), so ``batch_sizes[t]`` rows belong to step $t$. Made
    by ``pack_padded_sequence`` or ``pack_sequence``; the recurrent layers take it in place of a
    padded batch and return their output packed the same way.

    Args:
        data: $(\sum_n \ell_n, *)$, the steps, time-major.
        batch_sizes: how many sequences are still running at each step (int64, decreasing).
        sorted_indices: the batch order that sorted the sequences by length, or None if they came sorted.
        unsorted_indices: the inverse permutation, or None.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils.rnn import pack_sequence
        >>> packed = pack_sequence([dn.ones(3, 1), dn.ones(1, 1)])
        >>> packed.data.shape, packed.batch_sizes.tolist()
        ((4, 1), [2, 1, 1])
    """

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """``data`` converted as ``Tensor.to`` does (a dtype, or ``"cpu"``); the indices as they are.

        Args:
            *args: what ``Tensor.to`` takes.
            **kwargs: likewise.

        Returns:
            The converted ``PackedSequence``.
        """
        return self._replace(data=self.data.to(*args, **kwargs))

    def cpu(self) -> PackedSequence:
        """The sequence itself: deltanet runs on the CPU.

        Returns:
            ``self``.
        """
        return self

    def float(self) -> PackedSequence:
        """``data`` in float32.

        Returns:
            The converted ``PackedSequence``.
        """
        return self._replace(data=self.data.float())

    def double(self) -> PackedSequence:
        """``data`` in float64.

        Returns:
            The converted ``PackedSequence``.
        """
        return self._replace(data=self.data.double())

    @property
    def is_cuda(self) -> bool:
        """False: deltanet runs on the CPU."""
        return False


def pack_padded_sequence(
    input: Any, lengths: Any, batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    r"""Pack a padded batch: keep each sequence's first $\ell_n$ steps, time step by time step.

    Differentiable: the packed steps receive their gradients back in their padded places.

    Args:
        input: $(T, N, *)$, or $(N, T, *)$ with batch_first.
        lengths: the $N$ lengths (a list or a 1-D integer tensor), each in $[1, T]$.
        batch_first: the batch is the first axis.
        enforce_sorted: the lengths must come in decreasing order (else they are sorted, and the
            order kept in ``sorted_indices``).

    Returns:
        A ``PackedSequence``.

    Raises:
        ValueError: lengths that are not $N$ values in $[1, T]$, or not decreasing with
            enforce_sorted=True (PyTorch's message).

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils.rnn import pack_padded_sequence
        >>> x = dn.arange(6.0).reshape(2, 3, 1)  # two sequences of 3 steps, the second of length 2
        >>> pack_padded_sequence(x, [3, 2], batch_first=True).data.flatten().tolist()
        [0.0, 3.0, 1.0, 4.0, 2.0]
    """
    x = as_tensor(input)
    if not check.flag(batch_first, "batch_first", "pack_padded_sequence") and x.ndim >= 2:
        x = x.transpose(0, 1)  # (N, T, *) from here on
    sizes = np.asarray(lengths.tolist() if hasattr(lengths, "tolist") else lengths)
    if x.ndim < 2 or sizes.ndim != 1 or sizes.dtype.kind not in "iu" or len(sizes) != x.shape[0]:
        raise ValueError(
            f"pack_padded_sequence: expected one integer length per sequence for an input of shape "
            f"{as_tensor(input).shape} (batch_first={batch_first}), got lengths {sizes.tolist()}"
        )
    if sizes.min() < 1 or sizes.max() > x.shape[1]:
        raise ValueError(
            f"pack_padded_sequence: every length must be in [1, {x.shape[1]}] (the padded length), got {sizes.tolist()}"
        )
    sorted_indices = unsorted_indices = None
    if check.flag(enforce_sorted, "enforce_sorted", "pack_padded_sequence"):
        if np.any(np.diff(sizes) > 0):
            raise ValueError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You "
                "can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                "sidestep this requirement."
            )
    else:
        order = np.argsort(-sizes, kind="stable")
        sorted_indices, unsorted_indices = (
            Tensor._make(order.astype(np.int64)),
            Tensor._make(np.argsort(order).astype(np.int64)),
        )
        sizes = sizes[order]
        x = x[order]
    steps, rows = _valid_positions(sizes)
    batch_sizes = Tensor._make((sizes[None, :] > np.arange(sizes[0])[:, None]).sum(axis=1).astype(np.int64))
    return PackedSequence(x[rows, steps], batch_sizes, sorted_indices, unsorted_indices)


def _valid_positions(sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(step, row) of every valid step of sequences sorted by decreasing length, time-major."""
    valid = sizes[None, :] > np.arange(sizes[0])[:, None]  # (T, N)
    steps, rows = np.nonzero(valid)
    return steps, rows


def lengths_of(batch_sizes: Tensor) -> np.ndarray:
    """The sorted lengths of a ``PackedSequence``'s sequences, from its ``batch_sizes``."""
    counts = np.asarray(batch_sizes.array if isinstance(batch_sizes, Tensor) else batch_sizes, dtype=np.int64)
    return (counts[:, None] > np.arange(counts[0])[None, :]).sum(axis=0)


def unpack_padded(sequence: PackedSequence, padding_value: float = 0.0, total_length: int | None = None) -> Tensor:
    """The packed steps back in a padded $(T, N, *)$ tensor, in the sorted order (differentiable)."""
    data = as_tensor(sequence.data)
    sizes = lengths_of(sequence.batch_sizes)
    T = total_length if total_length is not None else int(sizes[0])
    steps, rows = _valid_positions(sizes)
    where = np.full((T, len(sizes)), data.shape[0], dtype=np.int64)  # the padding row by default
    where[steps, rows] = np.arange(data.shape[0])
    pad = full((1, *data.shape[1:]), padding_value, dtype=data.dtype)
    return cat([data, pad], dim=0)[where]


def pad_packed_sequence(
    sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0, total_length: Any = None
) -> tuple[Tensor, Tensor]:
    r"""The inverse of ``pack_padded_sequence``: the padded batch, in the original order, and the lengths.

    Args:
        sequence: a ``PackedSequence``.
        batch_first: return $(N, T, *)$ instead of $(T, N, *)$.
        padding_value: the value of the padded entries.
        total_length: pad to this length (at least the longest sequence) instead of the longest.

    Returns:
        (padded, lengths): the padded tensor and the int64 lengths, in the original batch order.

    Raises:
        ValueError: ``total_length`` shorter than the longest sequence.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils.rnn import pack_sequence, pad_packed_sequence
        >>> padded, lengths = pad_packed_sequence(pack_sequence([dn.ones(1), dn.ones(2)], enforce_sorted=False))
        >>> padded.tolist(), lengths.tolist()
        ([[1.0, 1.0], [0.0, 1.0]], [1, 2])
    """
    if not isinstance(sequence, PackedSequence):
        raise ValueError(f"pad_packed_sequence: expected a PackedSequence, got {type(sequence).__name__}")
    sizes = lengths_of(sequence.batch_sizes)
    if total_length is not None:
        total_length = check.integer(total_length, "total_length", "pad_packed_sequence", low=0)
        if total_length < sizes[0]:
            raise ValueError(
                f"Expected total_length to be at least the length of the longest sequence in input, but got "
                f"total_length={total_length} and max sequence length being {sizes[0]}"
            )
    value = check.number(padding_value, "padding_value", "pad_packed_sequence", finite=False)
    padded = unpack_padded(sequence, value, total_length)
    lengths = sizes
    if sequence.unsorted_indices is not None:
        order = np.asarray(sequence.unsorted_indices.array)
        padded, lengths = padded[:, order], sizes[order]
    if check.flag(batch_first, "batch_first", "pad_packed_sequence"):
        padded = padded.transpose(0, 1)
    return padded, Tensor._make(lengths.astype(np.int64))


def pack_sequence(sequences: Any, enforce_sorted: bool = True) -> PackedSequence:
    r"""Pack a list of sequences of different lengths: ``pad_sequence`` then ``pack_padded_sequence``.

    Args:
        sequences: tensors of shapes $(\ell_n, *)$.
        enforce_sorted: the sequences must come longest first (else they are sorted).

    Returns:
        A ``PackedSequence``.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils.rnn import pack_sequence
        >>> pack_sequence([dn.ones(2), dn.ones(3)], enforce_sorted=False).batch_sizes.tolist()
        [2, 2, 1]
    """
    lengths = [as_tensor(s).shape[0] if as_tensor(s).ndim else 0 for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    r"""The list of sequences that ``pack_sequence`` packed, in their original order.

    Args:
        packed_sequences: a ``PackedSequence``.

    Returns:
        A list of tensors of shapes $(\ell_n, *)$.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils.rnn import pack_sequence, unpack_sequence
        >>> [s.shape for s in unpack_sequence(pack_sequence([dn.ones(2), dn.ones(3)], enforce_sorted=False))]
        [(2,), (3,)]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    r"""The inverse of a permutation of $0, \dots, n-1$: ``out[permutation[i]] = i`` (PyTorch's
    helper that ``PackedSequence`` uses for ``unsorted_indices``); None stays None.

    Args:
        permutation: a 1-D integer tensor holding each of $0, \dots, n-1$ once, or None.

    Raises:
        ValueError: ``permutation`` is not a 1-D integer tensor.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.nn.utils.rnn import invert_permutation
        >>> invert_permutation(dn.tensor([2, 0, 1])).tolist()
        [1, 2, 0]
    """
    if permutation is None:
        return None
    p = permutation.array if isinstance(permutation, Tensor) else np.asarray(permutation)
    if p.ndim != 1 or p.dtype.kind not in "iu":
        raise ValueError(f"invert_permutation: expected a 1-D integer tensor, got shape {p.shape} and dtype {p.dtype}")
    out = np.empty_like(p)
    out[p] = np.arange(p.size, dtype=p.dtype)
    return Tensor._make(out)


__all__ = [
    "invert_permutation",
    "PackedSequence",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpack_sequence",
    "unpad_sequence",
]
