"""In-place operations with PyTorch's rules: ``+= -= *= /=``, ``add_``, ``sub_``, ``mul_``, ``div_``,
``pow_``, ``zero_``, ``fill_``, ``copy_``, ``clamp_``, ``masked_fill_``, ``uniform_``, ``normal_``,
``index_put_`` (and its copy-first twin ``index_put``), and item assignment ``t[index] = value``.

Each writes into ``t.array`` itself (the same array: parameters, views and arrays shared with NumPy
see the change) and bumps the version counter that ``t`` shares with its views.

- Outside ``no_grad``, changing a leaf that requires grad (a parameter) raises PyTorch's
  "a leaf Variable that requires grad is being used in an in-place operation"; inside
  ``no_grad`` it is allowed, as for ``p -= lr * p.grad``.
- On a tensor that is part of a recorded graph the change is recorded: the tensor's history is
  rebased onto the operation (its old value becomes the operation's input), and the gradient is
  exact (``backward`` gives old and new users of the tensor what each saw; see ``engine``).
- A function that saved the old values (an input's or its own output's) raises PyTorch's
  "modified by an inplace operation ... is at version N; expected version M" at ``backward()``;
  one that saved nothing of it (``y = x + 1; x.add_(1)``) is unaffected, as in PyTorch.
- Views: an in-place change of a view (``t[1:3]``, ``t.view(...)``, ``t.T``, ``t[0][1:]``) writes
  through to its base, as in PyTorch. When a gradient is involved, the change is recorded on the
  base (the new values are assigned to the base's elements that the view sees: ``SetItem``), and
  every live view of the base gets a new history, as PyTorch regenerates a view's ``grad_fn``; so
  ``x[:, 0] += b`` and ``v = x[0]; v.mul_(2)`` on interior tensors give PyTorch's gradients. A view
  of a leaf that requires grad raises PyTorch's error, and so does a view made under ``no_grad``
  of a tensor that requires grad. ``expand`` results are read-only, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet import backend
from deltanet.autograd import elementwise as E
from deltanet.autograd import logarithms as L
from deltanet.autograd import scattering as S
from deltanet.autograd.conversions import check_number_fits, wrap_integer
from deltanet.autograd.deprecated_overloads import scalar_first
from deltanet.autograd.engine import saves_memory_of
from deltanet.autograd.function import Function, is_grad_enabled
from deltanet.autograd.index_order import split_integers
from deltanet.autograd.ops import clamp_array, unbroadcast
from deltanet.autograd.shapes import GetItem, as_view_index, clone, is_basic_index, item_index
from deltanet.autograd.tensor import Tensor, leaf


# -- primitives of recorded in-place operations --------------------------------------------------
class Overwrite(Function):
    """z = ``src`` broadcast to the shape (and cast to the dtype) of ``x``: ``copy_``, ``fill_``,
    ``zero_``, ``uniform_``, ``normal_``. ``x`` gets a zero gradient (its value is gone, as in
    PyTorch), ``src`` the sum of the deltas of the places it filled."""

    def forward(self, x: np.ndarray, src: np.ndarray) -> np.ndarray:
        self.shape = src.shape
        return np.broadcast_to(src, x.shape).astype(x.dtype)

    def backward(self, delta: np.ndarray) -> tuple:
        gx = np.zeros_like(delta) if self.needs_input_grad[0] else None
        gs = unbroadcast(delta, self.shape) if self.needs_input_grad[1] else None
        return gx, gs


class SetItem(Function):
    """z = x with ``z[index] = value`` (``value`` broadcast); $\\delta$ goes to ``value`` at ``index``
    and to ``x`` everywhere else."""

    def forward(self, x: np.ndarray, value: np.ndarray, index: Any) -> np.ndarray:
        self.index, self.shape = index, value.shape
        z = x.copy()
        assign(z, index, value)
        return z

    def backward(self, delta: np.ndarray) -> tuple:
        gx = gv = None
        if self.needs_input_grad[0]:
            gx = delta.copy()
            gx[self.index] = 0
        if self.needs_input_grad[1]:
            g = np.asarray(delta[self.index])
            if g.ndim < len(self.shape):  # a one-element value put at one position
                g = g.reshape(self.shape)
            gv = unbroadcast(g, self.shape)
        return gx, gv


class PutAdd(Function):
    r"""z = x with ``value`` (broadcast) added at ``index``, repeated positions adding up
    (``index_put_(..., accumulate=True)``); $\delta$ goes to ``x`` everywhere and to ``value``
    from each position it was added to."""

    def forward(self, x: np.ndarray, value: np.ndarray, index: Any) -> np.ndarray:
        self.index, self.shape = index, value.shape
        z = x.copy()
        np.add.at(z, index, value)
        return z

    def backward(self, delta: np.ndarray) -> tuple:
        gx = delta if self.needs_input_grad[0] else None
        gv = unbroadcast(np.asarray(delta[self.index]), self.shape) if self.needs_input_grad[1] else None
        return gx, gv


def assign(target: np.ndarray, index: Any, value: np.ndarray) -> None:
    """``target[index] = value``, where a one-element value may also fill a single position, as in PyTorch."""
    try:
        target[index] = value
    except ValueError as error:
        if value.size != 1:
            raise ValueError(f"t[index] = value: {error}") from None
        target[index] = value.reshape(())


# -- the rules -----------------------------------------------------------------------------------
def _records(t: Tensor, others: tuple, owner: str) -> Any:
    """Check that ``t`` may be changed in place now (see the module docstring); return whether the
    change must be recorded in the graph: False, True, or ``"view"`` for a view (recorded on its
    base)."""
    involved = any(isinstance(o, Tensor) and o.requires_grad for o in others)
    if is_grad_enabled():
        base = t._base
        if base is not None and (base.requires_grad or t.requires_grad or involved):
            if base.requires_grad and base._ctx is None:
                raise RuntimeError(
                    "a view of a leaf Variable that requires grad is being used in an in-place operation."
                )
            if t._ctx is None and base.requires_grad:
                raise RuntimeError(
                    f"{owner}: a view was created in no_grad mode and is being modified in place with grad mode "
                    f"enabled; take the view outside no_grad, or change it inside no_grad"
                )
            if t._ctx is not None and base._ctx is not None and base._ctx.seq > t._ctx.seq:
                raise RuntimeError(f"{owner}: this view was taken before its base was changed in place; take it again")
            return "view" if t.array.dtype.kind == "f" else False
        if t.requires_grad and t._ctx is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        record = (t.requires_grad or involved) and t.array.dtype.kind == "f"  # an integer tensor holds no gradient
    else:
        record = False
    if not t.array.flags.writeable:
        raise RuntimeError(
            f"{owner}: unsupported operation: this tensor's memory is read-only (an expand() result repeats one "
            f"element at several positions, or the NumPy array it shares is read-only); clone() it first"
        )
    return record


def _edited(t: Tensor) -> None:
    """Bump the version after an in-place change, and mark the functions that made this memory's
    values (``t``'s, its base's, the memory's first maker) as stale if they saved the memory."""
    vc = t._shared_version()
    maker = None if vc.maker is None else vc.maker()
    makers = {fn for fn in (t._ctx, None if t._base is None else t._base._ctx, maker) if fn is not None}
    for fn in makers:
        saved = getattr(fn, "saved_tensors", None)
        if fn.parents is not None and (
            (saved and saves_memory_of(saved, t.array)) or fn.__dict__.get("saves_result", False)
        ):
            fn.stale_output = (vc, t.shape, t.dtype)
    vc.bump()


def changed_in_place(tensors: Iterable[Tensor]) -> None:
    """Record that code outside autograd (an optimizer step, ``load_state_dict``, an ``init``
    function, a rollback) has just written into the arrays of ``tensors`` in place.

    Bumps each one's version, as PyTorch's in-place writes under ``no_grad`` do, so that
    ``backward()`` through a graph that saved the old values raises PyTorch's "modified by an
    inplace operation" instead of silently using the new ones.

    Args:
        tensors: the tensors whose arrays were changed (each once).

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> from deltanet.autograd.inplace import changed_in_place
        >>> w = dn.nn.Parameter(np.ones(2))
        >>> w.array[...] = 2.0
        >>> changed_in_place([w]); w._version
        1
    """
    for t in tensors:
        vc = t._vc
        if vc is not None and vc.maker is None and t._ctx is None and t._base is None:
            vc.bump()  # a parameter: no function made these values, so no saved output to mark
        else:
            _edited(t)


def _rebase(t: Tensor, compute: Callable[[Tensor], Tensor], owner: str) -> Tensor:
    """Record ``t ← compute(t)``: the old value becomes the input of the new history."""
    old = leaf(t.array.copy())  # functions of compute may save it; t.array is about to change
    old._requires_grad = t._requires_grad
    old._ctx = t._ctx
    result = compute(old)
    _write(t, result.array, owner)
    _edited(t)
    fn = result._ctx
    if fn is not None:
        fn.previous = t._ctx  # what made t before: the engine walks back to it for older users of t
    t._ctx = fn
    t._requires_grad = fn is not None
    if fn is not None and t._vc is not None and t._vc.views:
        _remake_views(t)
    return t


def _remake_views(base: Tensor) -> None:
    """Give every live view of ``base`` a new history: those elements of the new base (as PyTorch
    regenerates a view's ``grad_fn``). Users of a view from before keep its old history."""
    views = [v for v in base._shared_version().live_views() if v._base is base and v.array.dtype.kind == "f"]
    if not views:
        return
    locate = element_finder(base.array)
    for view in views:
        remade = GetItem.apply(base, index=locate(view.array))._ctx
        remade.previous = view._ctx
        view._ctx = remade
        view._requires_grad = True


def _rebase_view(t: Tensor, compute: Callable[[Tensor], Tensor], owner: str) -> Tensor:
    """Record ``t <- compute(t)`` for a view ``t`` of ``base``, as PyTorch does: the new values are
    assigned to the elements of ``base`` that ``t`` sees (recorded on the base, which gets a new
    history), and ``t`` becomes those elements of the new base."""
    base, old_fn = t._base, t._ctx
    assert base is not None
    t._shared_version().add_view(t)  # remade with the base's other views below
    index = element_finder(base.array)(t.array)
    old = leaf(t.array.copy())
    old._requires_grad = t._requires_grad
    old._ctx = old_fn
    result = compute(old)
    if result.array.shape != t.array.shape:
        raise ValueError(
            f"{owner}: a result of shape {result.shape} cannot be written into a tensor of shape {t.shape}"
        )
    __setitem__(base, index, result)  # records SetItem on the base, which remakes t's history too
    assert t._ctx is not old_fn
    return t


def element_finder(base: np.ndarray) -> Callable[[np.ndarray], tuple[np.ndarray, ...]]:
    """A function that gives, for each element of a view of ``base`` (an array sharing its memory),
    its index in ``base``: ``base[find(view)]`` equals ``view``.

    Found from the byte address of every element, so it works for any view (slices, reshapes,
    transposes, views of views). Costs a sort of ``base``'s addresses: for the rare in-place
    change that gives a base a new history.
    """

    def addresses(a: np.ndarray) -> np.ndarray:
        start = a.__array_interface__["data"][0]
        grid: Any = np.indices(a.shape, sparse=True) if a.ndim else []
        return start + sum((g * s for g, s in zip(grid, a.strides)), np.zeros(a.shape, np.int64))

    where = addresses(base).reshape(-1)
    order = np.argsort(where, kind="stable")
    ranked = where[order]

    def find(view: np.ndarray) -> tuple[np.ndarray, ...]:
        if view.size == 0:
            return tuple(np.zeros(view.shape, np.int64) for _ in base.shape)
        wanted = addresses(view)
        found = np.searchsorted(ranked, wanted).clip(0, max(ranked.size - 1, 0))
        if not np.array_equal(ranked[found], wanted):
            raise RuntimeError("internal error: a view whose elements are not elements of its base")
        return np.unravel_index(order[found], base.shape)

    return find


def _write(t: Tensor, values: np.ndarray, owner: str) -> None:
    if values.shape != t.array.shape:
        raise ValueError(
            f"{owner}: a result of shape {values.shape} cannot be written into a tensor of shape {t.shape}"
        )
    _into(np.copyto, t, owner, t.array, values, casting="same_kind")


def _into(operation: Callable[..., Any], t: Tensor, owner: str, *args: Any, **kwargs: Any) -> None:
    """Run a NumPy operation that writes into ``t.array``, with the library's messages for bad shapes
    and dtypes."""
    try:
        operation(*args, **kwargs)
    except OverflowError:  # a Python int outside an integer dtype: PyTorch wraps it (int8 += 200 adds -56)
        if t.array.dtype.kind not in "iu":
            raise
        wrapped = [
            wrap_integer(a, t.array.dtype) if isinstance(a, int) and not isinstance(a, bool) else a for a in args
        ]
        operation(*wrapped, **kwargs)
    except (TypeError, ValueError) as error:  # NumPy's casting and broadcasting errors
        text = str(error)
        if "broadcast" in text or "shape" in text:
            raise ValueError(f"{owner}: the result does not fit a tensor of shape {t.shape} ({text})") from None
        if "cast" in text:
            raise ValueError(
                f"{owner}: the result cannot be stored in this tensor of dtype {t.dtype} ({text}); "
                f"convert first, e.g. t = t.float()"
            ) from None
        raise


def _keep_old_outputs(t: Tensor) -> None:
    """Before ``t`` is changed in place: a function that made ``t`` (or its base) and saved that
    output for backward, where PyTorch's saves something else (``output_copied_on_edit``: max
    pooling, elu, silu), gets a copy of the old output, so that ``F.relu(pool(x), inplace=True)``
    backpropagates as in PyTorch."""
    for fn in (t._ctx, None if t._base is None else t._base._ctx):
        if fn is not None and fn.output_copied_on_edit and fn.parents is not None:
            fn.saved_tensors = tuple(
                s.copy() if isinstance(s, np.ndarray) and saves_memory_of((s,), t.array) else s
                for s in fn.saved_tensors
            )


def _apply(
    t: Tensor, others: tuple, owner: str, fast: Callable[[], None], compute: Callable[[Tensor], Tensor]
) -> Tensor:
    record = _records(t, others, owner)
    if t._ctx is not None or t._base is not None:
        _keep_old_outputs(t)
    if record == "view":
        return _rebase_view(t, compute, owner)
    if record:
        return _rebase(t, compute, owner)
    fast()
    _edited(t)
    return t


def overwrite_with(
    t: Any,
    compute: Callable[[Tensor], Tensor],
    owner: str,
    saves_result: bool = False,
    refused_backward: str | None = None,
) -> Tensor:
    """Write ``compute(t)`` into ``t`` in place under this module's rules and return ``t``: the
    ``inplace=True`` of ``torch.nn.functional`` and of the activation and dropout layers.

    Where a gradient is involved the change is recorded (``compute`` runs on a copy of the old
    value, so the gradient flows through it to the old value, and functions that saved the old
    value raise at ``backward()``); a leaf that requires grad, or a view of one, raises
    PyTorch's error. Otherwise ``compute`` runs on the values and the result is copied in.

    Args:
        t: the tensor to overwrite.
        compute: the out-of-place function (an activation, a dropout) of one tensor.
        owner: the name in error messages (``"relu_"``).
        saves_result: PyTorch's backward of this op reads its result (``relu_``, ``elu_``, ...):
            a later in-place change of ``t`` then makes ``backward()`` raise, as in PyTorch.
        refused_backward: PyTorch's message where its in-place backward refuses this call (a
            negative slope of ``leaky_relu_``, ``elu_``): ``backward()`` through it raises it.

    Returns:
        ``t`` itself, holding ``compute``'s result.

    Examples:
        >>> import deltanet as dn
        >>> from deltanet.autograd.inplace import overwrite_with
        >>> x = dn.tensor([-1.0, 2.0])
        >>> overwrite_with(x, dn.sigmoid, "sigmoid_") is x, x._version
        (True, 1)
    """
    if not isinstance(t, Tensor):
        raise TypeError(f"{owner}: input must be a Tensor (inplace=True overwrites it), got {type(t).__name__}")
    recorded = _saving_result(compute, refused_backward) if saves_result or refused_backward else compute
    return _apply(t, (), owner, lambda: _write(t, compute(leaf(t.array)).array, owner), recorded)


def _saving_result(compute: Callable[[Tensor], Tensor], refused: str | None = None) -> Callable[[Tensor], Tensor]:
    """``compute``, whose recorded function is marked as one that reads the tensor it overwrites
    at ``backward()`` (see ``_edited``), and whose backward raises ``refused`` if given."""

    def recorded(old: Tensor) -> Tensor:
        result = compute(old)
        fn = result._ctx
        if fn is not None:
            fn.__dict__["saves_result"] = True
            if refused is not None:
                fn.__dict__["backward"] = _raising(refused)  # this instance's backward only
        return result

    return recorded


def _raising(message: str) -> Callable[..., Any]:
    def backward(*deltas: Any) -> Any:
        raise RuntimeError(message)

    return backward


def negative_slope_refusal(slope: Any, name: str) -> str | None:
    """PyTorch's message when backward reaches an in-place ``name`` (``"leakyReLu"``, ``"elu"``)
    called with a negative ``slope``, which its backward cannot undo from the result; None for a
    slope of 0 or more.

    Args:
        slope: the negative slope (``leaky_relu``) or ``alpha`` (``elu``, ``celu``).
        name: the op as PyTorch's message spells it.

    Returns:
        The message, or None.

    Examples:
        >>> from deltanet.autograd.inplace import negative_slope_refusal
        >>> negative_slope_refusal(-1.0, "elu")[:40], negative_slope_refusal(0.5, "elu")
        ('In-place elu backward calculation is tri', None)
    """
    if not isinstance(slope, (int, float, np.integer, np.floating)) or not slope < 0:
        return None
    return (
        f"In-place {name} backward calculation is triggered with a negative slope which is not supported. "
        f"This is caused by calling in-place forward function with a negative slope, please call "
        f"out-of-place version instead."
    )


def _array(other: Any) -> Any:
    return other.array if isinstance(other, Tensor) else other


def _scaled(other: Any, alpha: Any) -> Any:
    return other if alpha == 1 else other * alpha


# -- arithmetic ----------------------------------------------------------------------------------
def add_(self: Tensor, other: Any, *rest: Any, alpha: Any = 1) -> Tensor:
    """In place: ``self += alpha * other`` (see the module docstring for the rules; ``rest``:
    PyTorch's deprecated ``add_(alpha, other)``, see ``deprecated_overloads``)."""
    if rest:
        alpha, (other,) = scalar_first("add_", (other, *rest), "alpha", alpha, "Tensor other")
    if alpha != 1:
        check_number_fits(alpha, self.array.dtype, "add_: alpha")
    return _apply(
        self,
        (other,),
        "add_",
        lambda: _into(
            np.add, self, "add_", self.array, _array(_scaled(other, alpha)), out=self.array, casting="same_kind"
        ),
        lambda old: E.add(old, other, alpha=alpha),
    )


def sub_(self: Tensor, other: Any, *rest: Any, alpha: Any = 1) -> Tensor:
    """In place: ``self -= alpha * other`` (``rest``: PyTorch's deprecated ``sub_(alpha, other)``)."""
    if rest:
        alpha, (other,) = scalar_first("sub_", (other, *rest), "alpha", alpha, "Tensor other")
    E.refuse_bool_subtraction(self, other)
    if alpha != 1:
        check_number_fits(alpha, self.array.dtype, "sub_: alpha")
    return _apply(
        self,
        (other,),
        "sub_",
        lambda: _into(
            np.subtract, self, "sub_", self.array, _array(_scaled(other, alpha)), out=self.array, casting="same_kind"
        ),
        lambda old: E.sub(old, other, alpha=alpha),
    )


def mul_(self: Tensor, other: Any) -> Tensor:
    """In place: ``self *= other``."""
    return _apply(
        self,
        (other,),
        "mul_",
        lambda: _into(np.multiply, self, "mul_", self.array, _array(other), out=self.array, casting="same_kind"),
        lambda old: E.mul(old, other),
    )


def div_(self: Tensor, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """In place: ``self /= other`` (true division: an integer tensor cannot hold the result), or
    rounded down (``rounding_mode="floor"``) or toward zero (``"trunc"``), as ``dn.div``."""
    if rounding_mode is not None:
        return _apply(
            self,
            (other,),
            "div_",
            lambda: _write(self, E.div(leaf(self.array), other, rounding_mode=rounding_mode).array, "div_"),
            lambda old: E.div(old, other, rounding_mode=rounding_mode),
        )
    return _apply(
        self,
        (other,),
        "div_",
        lambda: _into(np.true_divide, self, "div_", self.array, _array(other), out=self.array, casting="same_kind"),
        lambda old: E.div(old, other),
    )


def pow_(self: Tensor, exponent: Any) -> Tensor:
    """In place: ``self **= exponent``."""
    if self.array.dtype.kind in "iu":  # PyTorch converts a number exponent into the dtype, unwrapped
        check_number_fits(exponent, self.array.dtype, "pow_: exponent")
    return _apply(
        self,
        (exponent,),
        "pow_",
        lambda: _into(np.power, self, "pow_", self.array, _array(exponent), out=self.array, casting="same_kind"),
        lambda old: E.pow(old, exponent),
    )


def addcmul_(self: Tensor, tensor1: Any, tensor2: Any, *rest: Any, value: Any = 1) -> Tensor:
    """In place: ``self += value * tensor1 * tensor2`` (``rest``: PyTorch's deprecated
    ``addcmul_(value, tensor1, tensor2)``)."""
    if rest:
        value, (tensor1, tensor2) = scalar_first(
            "addcmul_", (tensor1, tensor2, *rest), "value", value, "Tensor tensor1, Tensor tensor2"
        )
    return add_(self, E.mul(E._tensor(tensor1), tensor2), alpha=value)


def addcdiv_(self: Tensor, tensor1: Any, tensor2: Any, *rest: Any, value: Any = 1) -> Tensor:
    """In place: ``self += value * tensor1 / tensor2`` (``rest``: PyTorch's deprecated
    ``addcdiv_(value, tensor1, tensor2)``)."""
    if rest:
        value, (tensor1, tensor2) = scalar_first(
            "addcdiv_", (tensor1, tensor2, *rest), "value", value, "Tensor tensor1, Tensor tensor2"
        )
    return add_(self, E.div(E._tensor(tensor1), tensor2), alpha=value)


def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 - PyTorch's names
    """In place: limit the values to ``[min, max]`` (either bound may be None)."""
    if min is None and max is None:
        raise ValueError("clamp_: give min, max or both (both are None)")
    for bound in (min, max):  # PyTorch converts a number bound into the dtype, unwrapped
        check_number_fits(bound, self.array.dtype, "clamp_")
    return _apply(
        self,
        (min, max),
        "clamp_",
        lambda: (
            _into(np.clip, self, "clamp_", self.array, _array(min), _array(max), out=self.array)
            if self.array.dtype.kind != "f"
            else _into(np.copyto, self, "clamp_", self.array, clamp_array(self.array, _array(min), _array(max)))
        ),
        lambda old: E.clamp(old, min, max),
    )


def relu_(self: Tensor) -> Tensor:
    """In place: ``self = max(self, 0)``."""
    return _apply(
        self,
        (),
        "relu_",
        lambda: _into(np.maximum, self, "relu_", 0, self.array, out=self.array),  # 0 first: -0.0 stays -0.0
        _saving_result(E.relu),  # PyTorch's relu_ saves its result: a later change of self raises at backward
    )


def _elementwise_(name: str, compute: Callable[[Tensor], Tensor], real: bool = True) -> Callable[[Tensor], Tensor]:
    """The in-place twin ``name`` (``exp_``, ...) of a function of one tensor; a ``real`` one
    refuses an integer tensor, whose dtype cannot hold its result (PyTorch refuses it too)."""

    def method(self: Tensor) -> Tensor:
        def fast() -> None:
            if real and self.array.dtype.kind != "f":
                raise ValueError(
                    f"{name}: the result cannot be stored in this tensor of dtype {self.dtype} (it is real-valued); "
                    f"convert first, e.g. t = t.float()"
                )
            np.copyto(self.array, compute(leaf(self.array)).array)

        return _apply(self, (), name, fast, compute)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In place: ``self = {name[:-1]}(self)``."
    return method


exp_ = _elementwise_("exp_", E.exp)
log_ = _elementwise_("log_", E.log)
sqrt_ = _elementwise_("sqrt_", E.sqrt)
sigmoid_ = _elementwise_("sigmoid_", E.sigmoid)
tanh_ = _elementwise_("tanh_", E.tanh)
sin_ = _elementwise_("sin_", E.sin)
cos_ = _elementwise_("cos_", E.cos)
abs_ = _elementwise_("abs_", E.abs, real=False)
neg_ = _elementwise_("neg_", E.neg, real=False)
log1p_ = _elementwise_("log1p_", L.log1p)
expm1_ = _elementwise_("expm1_", L.expm1)
log2_ = _elementwise_("log2_", L.log2)
log10_ = _elementwise_("log10_", L.log10)


# -- filling -------------------------------------------------------------------------------------
def _source(value: Any, t: Tensor) -> Tensor:
    return value if isinstance(value, Tensor) else leaf(np.asarray(value))


def _overwrite(self: Tensor, src: Tensor, owner: str) -> Tensor:
    try:
        fits = np.broadcast_shapes(src.array.shape, self.array.shape) == self.array.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{owner}: a source of shape {src.shape} does not broadcast to this tensor's {self.shape}")
    return _apply(
        self,
        (src,),
        owner,
        lambda: np.copyto(self.array, src.array, casting="unsafe"),
        lambda old: Overwrite.apply(old, src),
    )


def copy_(self: Tensor, src: Any, non_blocking: bool = False) -> Tensor:
    """In place: ``self``'s values become ``src``'s (broadcast, converted to ``self``'s dtype)."""
    return _overwrite(self, _source(src, self), "copy_")


def fill_(self: Tensor, value: Any) -> Tensor:
    """In place: every element becomes ``value`` (a number or a one-element tensor)."""
    check_number_fits(value, self.array.dtype, "fill_")
    src = _source(value, self)
    if src.array.size != 1:
        raise ValueError(f"fill_: value must be a number or a one-element tensor, got shape {src.shape}")
    return _overwrite(self, src, "fill_")


def zero_(self: Tensor) -> Tensor:
    """In place: every element becomes 0."""
    return _overwrite(self, leaf(np.zeros((), self.array.dtype)), "zero_")


def masked_fill_(self: Tensor, mask: Any, value: Any) -> Tensor:
    """In place: ``value`` where ``mask`` is True (``mask`` broadcasts to ``self``)."""
    m = np.asarray(_array(mask))
    if m.dtype != np.bool_:
        raise ValueError(f"masked_fill_: mask must be a bool tensor, got dtype {m.dtype}")
    check_number_fits(value, self.array.dtype, "masked_fill_")
    return _apply(
        self,
        (value,),
        "masked_fill_",
        lambda: _into(np.copyto, self, "masked_fill_", self.array, _array(value), where=m, casting="unsafe"),
        lambda old: E.masked_fill(old, m, value),
    )


def _in_place(self: Tensor, src: Tensor, owner: str, compute: Callable[[Tensor, Tensor], Tensor]) -> Tensor:
    """``self <- compute(self, src)`` in place, recorded where a gradient is involved."""
    fast = lambda: _write(self, compute(leaf(self.array), leaf(src.array)).array, owner)  # noqa: E731
    return _apply(self, (src,), owner, fast, lambda old: compute(old, src))


def scatter_(self: Tensor, dim: Any, index: Any, src: Any = None, *, value: Any = None, reduce: Any = None) -> Tensor:
    """In place: ``src`` (or ``value``) written at the positions ``index`` names along ``dim``
    (see ``dn.scatter``)."""
    if reduce is not None:
        raise ValueError(f"scatter_: reduce={reduce!r} is not supported; use scatter_add_ for sums")
    if (src is None) == (value is None):
        raise ValueError("scatter_: give the values as src or as value, exactly one of the two")
    _, s, options = S.scatter_arguments(self, dim, index, src if value is None else value, "scatter_")
    return _in_place(self, s, "scatter_", lambda x, s: S.Scatter.apply(x, s, accumulate=False, **options))


def scatter_add_(self: Tensor, dim: Any, index: Any, src: Any) -> Tensor:
    """In place: ``src`` added at the positions ``index`` names along ``dim`` (see ``dn.scatter_add``)."""
    _, s, options = S.scatter_arguments(self, dim, index, src, "scatter_add_")
    return _in_place(self, s, "scatter_add_", lambda x, s: S.Scatter.apply(x, s, accumulate=True, **options))


def index_add_(self: Tensor, dim: Any, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
    """In place: ``alpha * source`` added at the rows ``index`` names along ``dim`` (see ``dn.index_add``)."""
    _, s, options = S.index_add_arguments(self, dim, index, source, "index_add_")
    alpha = S.alpha_of(alpha, self)
    s = s if alpha == 1 else s * alpha
    return _in_place(self, s, "index_add_", lambda x, s: S.IndexAdd.apply(x, s, **options))


def _random_fill(self: Tensor, draw: Callable[[np.random.Generator], np.ndarray], owner: str, generator: Any) -> Tensor:
    if self.array.dtype.kind != "f":
        raise ValueError(f"{owner}: needs a floating-point tensor, got dtype {self.dtype}")
    values = np.asarray(draw(backend.get_rng(generator)), dtype=self.array.dtype)
    return _overwrite(self, leaf(values), owner)


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
    """In place: uniform random values in ``[a, b)``, from deltanet's default generator (or ``generator``)."""
    return _random_fill(self, lambda rng: rng.uniform(a, b, self.shape), "uniform_", generator)


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
    """In place: normal random values of mean ``mean`` and standard deviation ``std``."""
    return _random_fill(self, lambda rng: rng.normal(mean, std, self.shape), "normal_", generator)


# -- putting values at indices -------------------------------------------------------------------
def index_put_(self: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    r"""In place: ``self[indices] = values``, or ``self[indices] += values`` with ``accumulate``,
    where a position that ``indices`` names several times receives the sum of all its values (a
    confusion matrix: ``cm.index_put_((y, pred), dn.ones(n, dtype=dn.long), accumulate=True)``).

    Without ``accumulate`` a repeated position keeps the last value, as NumPy's assignment does
    (PyTorch leaves it undefined). Differentiable in ``self`` and ``values`` under the in-place
    rules of this module.

    Args:
        indices: a tuple (or list) of index tensors, one per leading axis (integer or bool).
        values: a tensor (or number) broadcast to the indexed places; an integer tensor cannot
            take float values.
        accumulate: add into the places instead of replacing them.

    Examples:
        >>> import deltanet as dn
        >>> y, pred = dn.tensor([0, 1, 1, 1]), dn.tensor([0, 1, 1, 0])
        >>> cm = dn.zeros(2, 2, dtype=dn.long)
        >>> cm.index_put_((y, pred), dn.ones(4, dtype=dn.long), accumulate=True).tolist()
        [[1, 0], [1, 2]]
    """
    accumulate = check.flag(accumulate, "accumulate", "index_put_")
    if not isinstance(indices, (tuple, list)) or not all(isinstance(i, (Tensor, np.ndarray)) for i in indices):
        raise TypeError(
            f"index_put_: indices must be a tuple of index tensors (one per leading axis), got {type(indices).__name__}"
        )
    index = tuple(np.asarray(i.array if isinstance(i, Tensor) else i) for i in indices)
    for i in index:
        if i.dtype.kind not in "iub":
            raise ValueError(f"index_put_: index tensors must be integer or bool, got dtype {i.dtype}")
    src = values if isinstance(values, Tensor) else leaf(np.asarray(values))
    if src.array.dtype.kind == "f" and self.array.dtype.kind != "f":
        raise ValueError(
            f"index_put_: float values cannot be stored in this tensor of dtype {self.dtype}; convert one of them first"
        )
    if src.array.dtype != self.array.dtype and not src.requires_grad:
        src = leaf(src.array.astype(self.array.dtype))
    if not accumulate:
        __setitem__(self, index, src)
        return self
    return _apply(
        self,
        (src,),
        "index_put_",
        lambda: _into(np.add.at, self, "index_put_", self.array, index, src.array.astype(self.array.dtype, copy=False)),
        lambda old: PutAdd.apply(old, src, index=index),
    )


def index_put(self: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """A copy of ``self`` with ``index_put_(indices, values, accumulate)`` applied (``self`` is unchanged).

    Args:
        indices: a tuple of index tensors, one per leading axis.
        values: a tensor (or number) broadcast to the indexed places.
        accumulate: add into the places instead of replacing them.

    Examples:
        >>> import deltanet as dn
        >>> dn.zeros(3).index_put((dn.tensor([0, 0, 2]),), dn.tensor(1.0), accumulate=True).tolist()
        [2.0, 0.0, 1.0]
    """
    return index_put_(clone(self), indices, values, accumulate)


# -- item assignment -----------------------------------------------------------------------------
def __setitem__(self: Tensor, index: Any, value: Any) -> None:
    index = item_index(index)
    steps = split_integers(index)
    if steps is not None:  # t[0, :, [1, 3]] = v: into the view t[0] at [:, [1, 3]], as in PyTorch
        first, second = steps
        __setitem__(self[first], second, value)
        return
    if isinstance(value, Tensor) and _is_own_slice(self, index, value):
        return  # t[i] += x changed t[i] in place already; Python now assigns the slice to itself
    if isinstance(value, Tensor):
        src = value
    else:
        check_number_fits(value, self.array.dtype, "t[index] = value")
        src = leaf(np.asarray(value, dtype=self.array.dtype if self.array.dtype.kind == "f" else None))

    def fast() -> None:
        assign(self.array, index, src.array)

    _apply(self, (src,), "t[index] = value", fast, lambda old: SetItem.apply(old, src, index=index))


def _is_own_slice(t: Tensor, index: Any, value: Tensor) -> bool:
    """Whether ``value`` is the very memory ``t[index]`` (a view of ``t`` at that basic index)."""
    root = t if t._base is None else t._base
    if value._base is not root or not is_basic_index(index if isinstance(index, tuple) else (index,)):
        return False
    target = t.array[as_view_index(index)]
    here, there = target.__array_interface__, value.array.__array_interface__
    return bool(here["data"] == there["data"] and target.shape == value.shape and target.strides == value.array.strides)


# -- Python's in-place operators -----------------------------------------------------------------
def __iadd__(self: Tensor, other: Any) -> Tensor:
    return add_(self, other)


def __isub__(self: Tensor, other: Any) -> Tensor:
    return sub_(self, other)


def __imul__(self: Tensor, other: Any) -> Tensor:
    return mul_(self, other)


def __itruediv__(self: Tensor, other: Any) -> Tensor:
    return div_(self, other)


def __ipow__(self: Tensor, other: Any) -> Tensor:
    return pow_(self, other)


def __ifloordiv__(self: Tensor, other: Any) -> Tensor:
    return div_(self, other, rounding_mode="floor")  # Python's //: rounded down, as floor_divide


def __imod__(self: Tensor, other: Any) -> Tensor:
    # self - floor(self / other) * other, the sign of the divisor: remainder's result, written in.
    return _apply(
        self,
        (other,),
        "__imod__",
        lambda: _write(self, E.remainder(leaf(self.array), other).array, "__imod__"),
        lambda old: E.remainder(old, other),
    )


def _logical_inplace(ufunc: Any, name: str) -> Callable[[Tensor, Any], Tensor]:
    def method(self: Tensor, other: Any) -> Tensor:
        return _apply(
            self,
            (),
            name,
            lambda: _into(ufunc, self, name, self.array, _array(other), out=self.array),
            lambda old: old,  # not reached: bool and integer tensors never require grad
        )

    method.__name__ = method.__qualname__ = name
    return method


__iand__ = _logical_inplace(np.bitwise_and, "__iand__")
__ior__ = _logical_inplace(np.bitwise_or, "__ior__")
__ixor__ = _logical_inplace(np.bitwise_xor, "__ixor__")
__ilshift__ = _logical_inplace(np.left_shift, "__ilshift__")
__irshift__ = _logical_inplace(np.right_shift, "__irshift__")
