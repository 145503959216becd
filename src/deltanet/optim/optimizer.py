"""``Optimizer``: owner of the parameter groups and per-parameter state, as in PyTorch.

The optimizer holds; the update rules (``sgd_update``, ``adam_update``, ...) compute. A subclass
validates its hyperparameters in ``_check_group`` and applies its rule to every parameter of a group
in ``_update_group``. Hyperparameters live in ``param_groups`` (a list of dicts), read once per
group and step, so a scheduler that changes ``group["lr"]`` changes the next step.

``state_dict()`` is made of JSON-able scalars and NumPy arrays only, with state keyed by the index
of the parameter in the order of the groups, as PyTorch does:

```python
{"state": {0: {"step": 3, "exp_avg": array(...), ...}, ...},
 "param_groups": [{"lr": 0.001, "betas": [0.9, 0.999], ..., "params": [0, 1, 2, 3]}]}
```
"""

from __future__ import annotations

import difflib
import inspect
import math
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from deltanet import _checks as check
from deltanet.autograd import Tensor, enable_grad
from deltanet.autograd.inplace import changed_in_place
from deltanet.autograd.versions import Clock, sequence
from deltanet.optim.hooks import OptimizerHooks, run_state_dict_hooks

# Keys a param group may carry besides the optimizer's own hyperparameters: the parameters and
# their names (from ``named_parameters()``), and what the learning-rate schedulers write there
# (``initial_lr`` by every scheduler; the others by ``OneCycleLR``), as PyTorch's schedulers do.
SCHEDULER_GROUP_KEYS = ("initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum")
_EXTRA_GROUP_KEYS = ("params", "param_names", *SCHEDULER_GROUP_KEYS)
# Spellings of hyperparameters from other libraries, refused with the name to use instead.
_ALIASES = {"learning_rate": "lr", "wd": "weight_decay", "beta1": "betas", "beta2": "betas", "epsilon": "eps"}


def _hyperparameters_of_all() -> set[str]:
    """The keyword arguments of every optimizer class (the hyperparameters any of them takes)."""
    names: set[str] = set()
    stack: list[type] = [Optimizer]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        for p in inspect.signature(vars(cls).get("__init__", cls)).parameters.values():
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in ("self", "params"):
                names.add(p.name)
    return names


def label_key_refusal(key: Any, defaults: dict[str, Any], owner: str) -> str | None:
    """Why a param group may not carry ``key`` beside ``defaults``, or None: the key is a label.

    PyTorch keeps any key in a group, so a ported program's labels (``"name"``, ``"lr_scale"``,
    ``"layer_id"``) stay in the group and its ``state_dict``. A key that reads as a
    hyperparameter would be ignored silently, so it is refused: another optimizer's
    (``momentum`` given to Adam), another library's spelling (``learning_rate``), or a near miss
    of one of this optimizer's own (``weight_deacy``, ``LR``).

    Examples:
        >>> from deltanet.optim.optimizer import label_key_refusal
        >>> label_key_refusal("name", {"lr": 0.1, "momentum": 0}, "SGD") is None
        True
        >>> label_key_refusal("momentun", {"lr": 0.1, "momentum": 0}, "SGD")
        "'momentun' is not a hyperparameter of SGD (did you mean 'momentum'?)"
    """
    if not isinstance(key, str):
        return f"a param group's keys are strings, got {key!r}"
    folded = key.lower()  # "LR" and "Lr" are misspellings of "lr", not labels
    if folded in _ALIASES:
        return f"{key!r} is not a hyperparameter of {owner} (did you mean {_ALIASES[folded]!r}?)"
    own = {name.lower(): name for name in defaults}
    close = difflib.get_close_matches(folded, list(own), n=1, cutoff=0.8)
    if close:
        return f"{key!r} is not a hyperparameter of {owner} (did you mean {own[close[0]]!r}?)"
    if folded in {name.lower() for name in _hyperparameters_of_all()}:
        return f"{key!r} is a hyperparameter of another optimizer, not of {owner}, which would ignore it"
    return None


class Optimizer(OptimizerHooks):
    """Base class of the optimizers: parameter groups, per-parameter state, ``step``, ``zero_grad``.

    Args:
        params: an iterable of Parameters (``model.parameters()``), or a list of dicts, each with
            ``"params"`` and hyperparameters that override ``defaults`` for that group.
        defaults: the hyperparameters of every group that does not set its own.

    Examples:
        >>> import numpy as np, deltanet as dn
        >>> w = dn.nn.Parameter(np.array([1.0, 2.0]))
        >>> opt = dn.optim.SGD([{"params": [w], "lr": 0.5}], lr=0.1)
        >>> w.grad = np.array([1.0, 1.0])
        >>> opt.step(); w.array
        array([0.5, 1.5])
        >>> opt.zero_grad(); print(w.grad)
        None
    """

    #: Whether ``step`` needs a closure that re-evaluates the loss (True for LBFGS and CG).
    requires_closure = False
    #: How many scratch arrays shaped like a parameter the update rule needs.
    _n_work = 1
    #: How many steps were taken (a scheduler stepped before the first one warns, as PyTorch's).
    _step_count = 0

    def __init__(self, params: Any, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self._check_group(self.defaults)
        # A defaultdict, as PyTorch's: ``self.state[p]`` of a parameter without state is a new
        # empty dict (a subclass written for PyTorch starts its state with ``if len(state) == 0``).
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._work: dict[Tensor, tuple[np.ndarray, ...]] = {}
        name = type(self).__name__
        if isinstance(params, (Tensor, np.ndarray)):
            raise ValueError(
                f"{name}: params must be an iterable of Parameters or of dicts, got a single "
                f"{type(params).__name__}; pass model.parameters() or [tensor]"
            )
        if isinstance(params, dict):
            params = [params]
        try:
            groups = list(params)
        except TypeError:
            raise ValueError(
                f"{name}: params must be an iterable of Parameters or of dicts, got {type(params).__name__}"
            ) from None
        if not groups:
            raise ValueError(f"{name}: got an empty parameter list (expected at least one Parameter)")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            if not isinstance(group, dict):
                raise ValueError(
                    f"{name}: params mixes dicts and {type(group).__name__}s; give either "
                    f"Parameters or param-group dicts"
                )
            self.add_param_group(group)

    # -- groups ------------------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (missing ones from ``defaults``).

        Args:
            param_group: a dict with ``"params"`` (the Parameters) and any hyperparameters.

        Raises:
            ValueError: no ``"params"``, a key that reads as a hyperparameter this optimizer does
                not take (``label_key_refusal``; other keys are labels, kept as PyTorch keeps
                them), a parameter that is already in a group, or a value out of range.

        Examples:
            >>> import numpy as np, deltanet as dn
            >>> a, b = dn.nn.Parameter(np.zeros(2)), dn.nn.Parameter(np.zeros(3))
            >>> opt = dn.optim.SGD([a], lr=0.1)
            >>> opt.add_param_group({"params": [b], "lr": 0.01})
            >>> [g["lr"] for g in opt.param_groups]
            [0.1, 0.01]
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise ValueError(f"{name}: a param group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"{name}: a param group needs a 'params' entry, got keys {sorted(param_group)}")
        known = (*self.defaults, *_EXTRA_GROUP_KEYS)
        for key in param_group:
            why = None if key in known else label_key_refusal(key, self.defaults, name)
            if why is not None:
                raise ValueError(f"{name}: {why}; {name} takes {sorted(self.defaults)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise ValueError(f"{name}: params must be an ordered sequence (a set has no fixed order)")
        params = list(params)
        # An empty group is kept (PyTorch's too: a weight-decay split may leave one empty); an
        # optimizer without any group is refused in __init__.
        params, param_names = _split_names(name, params)
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        first = sum(len(group["params"]) for group in self.param_groups)
        for i, p in enumerate(params, first):
            _check_param(name, i, p)
            if id(p) in seen:
                raise ValueError(
                    f"{name}: parameter {i} (shape {p.shape}) appears twice; give each parameter once, in one group"
                )
            seen.add(id(p))
        group = {k: v for k, v in param_group.items() if k not in ("params", "param_names")}
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self._check_group(group)
        group["params"] = params
        if param_names is not None:
            group["param_names"] = param_names
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Validate the hyperparameters of ``group`` (subclasses call the ``check_*`` helpers)."""

    # -- the step ----------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: set every ``p.grad`` to None (or to new tensors of zeros).

        Args:
            set_to_none: True (default): None; False: the same gradient tensor, now zeros (as in
                PyTorch, a reference to it sees the zeros; it gets a new array, since the old one
                may be shared, e.g. a NumPy array given as ``p.grad``).
        """
        for group in self.param_groups:
            for p in group["params"]:
                # The slot behind the ``grad`` property (a call per parameter costs more than the rest).
                grad = p._grad
                if set_to_none or grad is None:
                    p._grad = None
                elif isinstance(grad, Tensor):
                    grad.array = np.zeros_like(p.array)
                else:
                    p._grad = Tensor._make(np.zeros_like(p.array))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient (those with ``grad`` None are skipped).

        The arrays change in place and their version counters go up, as in PyTorch: ``backward()``
        through a graph recorded before the step raises where a function saved a parameter.

        Args:
            closure: optional function that re-evaluates the model and returns the loss; it is
                called (with gradients enabled) before the update.

        Returns:
            The closure's loss, or None.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            try:
                self._update_group(group)
            finally:  # also after an error part-way: some parameters may have changed
                _bump_updated(group["params"])
        self._step_count += 1
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement _update_group")

    def _new_work(self, p: Tensor, W: np.ndarray) -> tuple[np.ndarray, ...]:
        """Scratch arrays for ``p``'s update, kept between steps: a step allocates nothing."""
        work = tuple(np.empty_like(W) for _ in range(self._n_work))
        self._work[p] = work
        return work

    # -- state -------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The state as JSON-able scalars and NumPy arrays (copies), keyed by parameter index.

        Examples:
            >>> import numpy as np, deltanet as dn
            >>> w = dn.nn.Parameter(np.zeros(2))
            >>> opt = dn.optim.SGD([w], lr=0.1, momentum=0.9)
            >>> w.grad = np.ones(2); opt.step()
            >>> sd = opt.state_dict()
            >>> sd["state"]
            {0: {'momentum_buffer': array([1., 1.])}}
            >>> sd["param_groups"][0]["params"]
            [0]
        """
        run_state_dict_hooks(self, "_optimizer_state_dict_pre_hooks")
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: _plain(v) for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index[id(p)] = len(index)
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {}
        for p, values in self.state.items():
            if id(p) in index and values:
                state[index[id(p)]] = {
                    k: v.copy() if isinstance(v, np.ndarray) else _plain(v) for k, v in values.items()
                }
        state_dict = {"state": state, "param_groups": groups}
        replaced = run_state_dict_hooks(self, "_optimizer_state_dict_post_hooks", state_dict)
        return state_dict if replaced is None else replaced

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and state from ``state_dict()`` (or its JSON + .npy round trip).

        State keys may be ints or their strings ("0"); arrays are copied and cast to their
        parameter's dtype. Everything is checked before anything changes.

        Args:
            state_dict: what ``state_dict()`` returned, possibly from another run or from PyTorch.

        Raises:
            ValueError: the groups, the number of parameters or an array's shape do not match.
        """
        name = type(self).__name__
        replaced = run_state_dict_hooks(self, "_optimizer_load_state_dict_pre_hooks", state_dict)
        if replaced is not None:
            state_dict = replaced
        if not (isinstance(state_dict, dict) and {"state", "param_groups"} <= set(state_dict)):
            got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups', got {got}")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the state has {len(saved_groups)} parameter group(s), "
                f"this optimizer has {len(self.param_groups)}"
            )
        params: list[Tensor] = []
        # The state is keyed by the ids in the saved groups' "params" lists, each standing for the
        # parameter at the same place in this optimizer's groups (PyTorch's mapping; a state dict
        # from state_dict() numbers them 0, 1, 2, ... in order, so the id is also the index).
        by_id: dict[int, Tensor] = {}
        new_groups = []
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            n_saved = len(saved.get("params", ()))
            if n_saved != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {i} has {n_saved} parameter(s) in "
                    f"the state, {len(group['params'])} in this optimizer"
                )
            merged = dict(group)
            for key, value in saved.items():
                if key in self.defaults or key in SCHEDULER_GROUP_KEYS:
                    merged[key] = tuple(value) if isinstance(value, list) else value
                elif key not in _EXTRA_GROUP_KEYS and label_key_refusal(key, self.defaults, name) is None:
                    merged[key] = value  # a label (PyTorch's groups keep every saved key)
            self._check_group(merged)
            new_groups.append(merged)
            for saved_id, p in zip(saved.get("params", ()), group["params"]):
                try:
                    by_id[int(saved_id)] = p
                except (TypeError, ValueError):
                    pass  # not an id: the state's keys are taken as indices below
            params.extend(group["params"])
        new_state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, values in state_dict["state"].items():
            try:
                i = int(key)
            except (TypeError, ValueError):
                raise ValueError(f"{name}.load_state_dict: state key {key!r} is not a parameter index") from None
            if i in by_id:
                p = by_id[i]
                i = next(j for j, q in enumerate(params) if q is p)
            elif not 0 <= i < len(params) or by_id:
                raise ValueError(
                    f"{name}.load_state_dict: state for parameter {i}, but "
                    + (
                        f"the param groups' 'params' lists hold {sorted(by_id)}"
                        if by_id
                        else f"there are only {len(params)}"
                    )
                )
            new_state[params[i]] = {k: self._load_state_value(i, k, v, params[i]) for k, v in values.items()}
        for group, merged in zip(self.param_groups, new_groups):
            group.clear()
            group.update(merged)
        self.state = new_state
        run_state_dict_hooks(self, "_optimizer_load_state_dict_post_hooks")

    def _load_state_value(self, i: int, key: str, value: Any, p: Tensor) -> Any:
        """One state value of parameter ``i`` from a state dict: an array shaped like ``p`` (in
        its dtype) or a scalar; an optimizer whose state has other shapes overrides this."""
        return _load_value(type(self).__name__, i, key, value, p)

    def __repr__(self) -> str:
        # PyTorch's layout, a blank line between groups included.
        text = f"{type(self).__name__} ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


# -- helpers -----------------------------------------------------------------------------------
def _bump_updated(params: list[Tensor]) -> None:
    """Bump the version of every parameter that the step changed in place (those with a gradient),
    as PyTorch's step does: ``backward()`` through a graph recorded before the step, that saved a
    parameter's old values, then raises instead of silently using the new ones."""
    # Version.bump written out (it runs for every parameter and step), with one number for the
    # whole group: no function is recorded in between.
    stamp = Clock.last_edit = next(sequence)
    for p in params:
        if p._grad is not None:
            vc = p._vc
            if vc is not None and vc.stamps is not None and vc.maker is None and p._base is None:
                vc.count += 1
                vc.stamps.append(stamp)
            else:  # a first edit, or a parameter that shares memory with a computed tensor
                changed_in_place((p,))


def _is_named(p: Any) -> bool:
    return isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) and isinstance(p[1], Tensor)


def _split_names(owner: str, params: list[Any]) -> tuple[list[Any], list[str] | None]:
    """The parameters and their names, from ``model.named_parameters()`` pairs (as PyTorch takes)."""
    named = [_is_named(p) for p in params]
    if not any(named):
        return params, None
    if not all(named):
        i = named.index(False)
        raise ValueError(
            f"{owner}: parameter {i} has no name while others are (name, Parameter) pairs; expected "
            f"all parameters with names (model.named_parameters()) or none (model.parameters())"
        )
    return [p for _, p in params], [n for n, _ in params]


def _check_param(owner: str, i: int, p: Any) -> None:
    # A leaf that does not require grad (a frozen layer in model.parameters()) is accepted, as
    # PyTorch does: its grad stays None and the step skips it, until it requires grad again.
    if not isinstance(p, Tensor):
        raise ValueError(
            f"{owner}: parameter {i} is a {type(p).__name__}, expected a Parameter "
            f"(a deltanet Tensor with requires_grad=True)"
        )
    if not p.is_leaf:
        raise ValueError(
            f"{owner}: parameter {i} (shape {p.shape}) is not a leaf (it was computed from other "
            f"tensors); optimize the leaves it was computed from"
        )


def _plain(value: Any) -> Any:
    """A JSON-able copy: tuples become lists, NumPy scalars Python numbers (arrays are copied)."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


def loss_value(owner: str, loss: Any) -> float:
    """The closure's loss as a Python float (PyTorch's ``float(closure())``), or a clear ValueError."""
    if isinstance(loss, Tensor):
        if loss.size != 1:
            raise ValueError(f"{owner}: the closure must return a scalar loss, got shape {loss.shape}")
        return float(loss.item())
    try:
        return float(loss)
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: the closure must return the loss (a Tensor or a number), got {loss!r}") from None


def _load_value(owner: str, i: int, key: str, value: Any, p: Tensor, shape: tuple[int, ...] | None = None) -> Any:
    """A state value from a state dict: a scalar, or an array of ``shape`` (default the parameter's) in its dtype."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Tensor):
        value = value.array
    array = np.asarray(value)
    if array.dtype.kind not in "fiub":
        raise ValueError(
            f"{owner}.load_state_dict: state {key!r} of parameter {i} has dtype {array.dtype}, expected numbers"
        )
    if array.ndim == 0:
        # A scalar such as PyTorch's 0-d "step" tensor.
        item = array.item()
        return int(item) if key == "step" and float(item).is_integer() else item
    if shape is None and array.shape != p.shape:
        raise ValueError(
            f"{owner}.load_state_dict: state {key!r} of parameter {i} has shape {array.shape}, "
            f"expected the parameter's {p.shape}"
        )
    if shape is not None and array.shape != shape:
        raise ValueError(
            f"{owner}.load_state_dict: state {key!r} of parameter {i} has shape {array.shape}, expected {shape}"
        )
    return np.array(array, dtype=p.dtype, copy=True)


def _check_number(
    owner: str,
    name: str,
    value: Any,
    low: float = 0.0,
    high: float = math.inf,
    high_open: bool = False,
) -> None:
    """Raise ValueError unless ``value`` is a finite number from ``low`` to ``high`` (``high_open``: below it)."""
    if check.is_number(value) and math.isinf(value):
        raise check.fail(owner, name, "a finite number", value)
    check.number(value, name, owner, low=low, high=high, high_open=high_open)


def _check_bool(owner: str, name: str, value: Any) -> None:
    """Raise ValueError unless ``value`` is a bool."""
    check.flag(value, name, owner)


def _check_positive_int(owner: str, name: str, value: Any, allow_none: bool = False) -> None:
    """Raise ValueError unless ``value`` is an integer >= 1 (or None when allowed)."""
    if value is None and allow_none:
        return
    check.integer(value, name, owner, low=1)


def _check_switches(owner: str, group: dict[str, Any]) -> None:
    """Validate PyTorch's implementation switches that ``group`` has (``foreach``, ``fused``, ...).

    They choose *how* PyTorch computes the same update (a loop or one fused kernel, a
    CUDA-graph-safe step); deltanet has one NumPy loop, so they are accepted and kept in the param
    groups (PyTorch's ``state_dict`` has them) but change nothing. ``differentiable=True`` (an
    update that autograd can differentiate) is refused.
    """
    for name in ("foreach", "fused"):
        if name in group and group[name] is not None:
            check.flag(group[name], name, owner)
    if "capturable" in group:
        check.flag(group["capturable"], "capturable", owner)
    if "differentiable" in group:
        if check.flag(group["differentiable"], "differentiable", owner):
            raise ValueError(
                f"{owner}: differentiable=True is not supported, got True; deltanet's optimizer "
                f"steps update the arrays in place and are not recorded by autograd"
            )
