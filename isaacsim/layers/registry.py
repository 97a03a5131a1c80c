"""The registry of layer kinds: the one place the rest of the code asks about a kind."""

from __future__ import annotations

from typing import TYPE_CHECKING

from isaacsim.layers.base import LayerKind

if TYPE_CHECKING:
    from isaacsim.network.model import Layer

_KINDS: dict[str, LayerKind] = {}


def register(kind: LayerKind, *, replace: bool = False) -> LayerKind:
    """Make `kind` known to the network loader and every other part of isaacsim; returns it.

    A second kind of the same name is refused unless `replace` (tests and plug-ins replace their
    own kinds; the built-in ones should be left alone)."""
    if not isinstance(kind, LayerKind):
        raise TypeError(f"expected a LayerKind instance, got {type(kind).__name__}")
    if not kind.name or not kind.name.isidentifier():
        raise ValueError(f"a layer kind needs a name made of letters, digits and '_', got "
                         f"{kind.name!r}")
    if kind.name in _KINDS and not replace:
        raise ValueError(f"layer kind {kind.name!r} is already registered")
    if kind.crossbar and kind.digital_stage:
        raise ValueError(f"layer kind {kind.name!r}: a crossbar kind has no digital stage")
    if not kind.crossbar and not (kind.digital_stage and kind.unit):
        raise ValueError(f"layer kind {kind.name!r}: a digital kind names its digital_stage and unit")
    _KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    """Forget the kind called `name` (for tests that register their own)."""
    _KINDS.pop(name, None)


def kind_names() -> tuple[str, ...]:
    """Names of the registered kinds, in registration order (built-ins first)."""
    return tuple(_KINDS)


def get_kind(name: str) -> LayerKind:
    """The kind called `name`; `KeyError` when none is registered."""
    try:
        return _KINDS[name]
    except KeyError:
        raise KeyError(f"no layer kind {name!r} is registered (known: {', '.join(_KINDS)})") from None


def kind_of(layer: Layer) -> LayerKind:
    """The kind of `layer`."""
    return get_kind(layer.kind)
