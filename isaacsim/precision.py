"""Per-layer precision: weight bits, activation bits and FlexPoint exponents.

A workload's ``precision`` section (``docs/workload-format.md``) sets values for every layer and,
under ``layers``, for single layers by name::

    {"weight_bits": 16, "activation_bits": 16,
     "exponents": {"weight": 0, "input": 0, "output": 0},
     "layers": {"conv1_1": {"weight_bits": 8, "exponents": {"input": -2}}}}

* ``weight_bits`` (1..16): width of a layer's stored weights; the mapper spreads each weight over
  ``ceil(weight_bits / cell_bits)`` adjacent columns.
* ``activation_bits`` (1..16): width of the activations a layer streams through its DACs, i.e. the
  bit-cycles of one crossbar op. 0 is refused: a layer that reads nothing would leave every later
  layer without input; skipping pixels (bits 0) is what crop traces express, pixel by pixel
  (``docs/decisions.md``).
* ``exponents``: FlexPoint shared exponents (weight, input, output), integers in -64..64, default 0.
  They change numerics (`isaacsim.functional`), and time and energy only through the shift passes
  of a shift wider than the shift-and-add unit (`isaacsim.functional.flexpoint.shift_window`).

Layers without crossbars (pooling, add) carry the defaults; setting ``weight_bits`` or a weight
exponent on one of them is an error, since it has no weights.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from isaacsim.network import Network
from isaacsim.validate import Bound, Checker, describe, did_you_mean, join

DEFAULT_WEIGHT_BITS = 16
DEFAULT_ACTIVATION_BITS = 16
MAX_BITS = 16
EXPONENT_LIMIT = 64
"""FlexPoint exponents are limited to -64..64: a larger shift empties any value of <= 16 bits."""
BITS = Bound("integer", 1, MAX_BITS, "the datapath's 16-bit words; 0 activation bits would "
                                    "starve every later layer")
EXPONENT = Bound("integer", -EXPONENT_LIMIT, EXPONENT_LIMIT,
                 "a larger shift empties any value of <= 16 bits")
EXPONENT_KEYS = ("weight", "input", "output")
_BITS_KEYS = ("weight_bits", "activation_bits")


@dataclass(frozen=True)
class Exponents:
    """FlexPoint shared exponents of one layer's weights, inputs and outputs (powers of two)."""

    weight: int = 0
    input: int = 0
    output: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"weight": self.weight, "input": self.input, "output": self.output}


@dataclass(frozen=True)
class LayerPrecision:
    """The resolved precision of one layer."""

    weight_bits: int = DEFAULT_WEIGHT_BITS
    activation_bits: int = DEFAULT_ACTIVATION_BITS
    exponents: Exponents = field(default_factory=Exponents)

    def to_dict(self) -> dict[str, Any]:
        return {"weight_bits": self.weight_bits, "activation_bits": self.activation_bits,
                "exponents": self.exponents.to_dict()}


@dataclass(frozen=True)
class Precision:
    """Precision of every layer of one network: the all-layer default and the resolved values."""

    default: LayerPrecision
    layers: Mapping[str, LayerPrecision]
    """Layer name -> resolved precision, for every layer of the network, in network order."""

    def of(self, name: str) -> LayerPrecision:
        """The precision of layer `name` (the default for a name the network does not have)."""
        return self.layers.get(name, self.default)

    def to_dict(self) -> dict[str, Any]:
        """The section: the defaults, and under ``layers`` only what differs from them for each
        layer, so that it loads back to an equal `Precision`."""
        layers = {}
        for name, lp in self.layers.items():
            diff = {k: v for k, v in lp.to_dict().items()
                    if k != "exponents" and v != getattr(self.default, k)}
            exps = {k: v for k, v in lp.exponents.to_dict().items()
                    if v != getattr(self.default.exponents, k)}
            if exps:
                diff["exponents"] = exps
            if diff:
                layers[name] = diff
        return {**self.default.to_dict(), "layers": layers}


def uniform_precision(network: Network, weight_bits: int = DEFAULT_WEIGHT_BITS,
                      activation_bits: int = DEFAULT_ACTIVATION_BITS) -> Precision:
    """The same bits for every layer, exponents 0 (checked like a file; `InputError` if bad)."""
    return load_precision({"weight_bits": weight_bits, "activation_bits": activation_bits},
                          network, source="<precision>")


def load_precision(data: Any, network: Network, source: str = "<precision>",
                   path: str = "$.precision") -> Precision:
    """Validate a precision section against `network`; raises `InputError` with every problem."""
    chk = Checker(source)
    result = check_precision(chk, data, network, path)
    chk.raise_if_any()
    assert result is not None
    return result


def check_precision(chk: Checker, data: Any, network: Network | None,
                    path: str = "$.precision") -> Precision | None:
    """Record the problems of a precision section in `chk`; the `Precision`, or `None` if bad.

    `data` may be ``None`` (all defaults). With ``network=None`` (the network failed to load) only
    the structure is checked and `None` is returned.
    """
    data = {} if data is None else data
    if not chk.obj(data, path):
        return None
    chk.keys(data, path, {*_BITS_KEYS, "exponents", "layers"})
    default = _layer_values(chk, data, path, LayerPrecision(), weights=True)
    per_layer = data.get("layers", {})
    if not chk.obj(per_layer, join(path, "layers")):
        per_layer = {}
    resolved: dict[str, LayerPrecision] = {}
    names = [layer.name for layer in network.layers] if network is not None else []
    for name, raw in per_layer.items():
        where = join(join(path, "layers"), str(name))
        if network is not None and name not in network:
            chk.add(where, f"unknown layer '{name}'{did_you_mean(str(name), names)} in network "
                           f"'{network.name}'")
            continue
        if not chk.obj(raw, where):
            continue
        chk.keys(raw, where, {*_BITS_KEYS, "exponents"})
        has_weights = network is None or network.layer(name).uses_crossbars
        if network is not None and not has_weights:
            _refuse_weight_keys(chk, raw, where, network.layer(name).kind)
        value = _layer_values(chk, raw, where, default or LayerPrecision(), weights=has_weights)
        if value is not None:
            resolved[name] = value
    if network is None or default is None or not chk.ok:
        return None
    layers = {name: resolved.get(name, default) for name in names}
    return Precision(default=default, layers=layers)


def _layer_values(chk: Checker, raw: Mapping, path: str, base: LayerPrecision,
                  weights: bool) -> LayerPrecision | None:
    """`base` with the values present in `raw` (bits, exponents) checked and applied."""
    before = len(chk.problems)
    wbits = chk.bounded_int(raw, "weight_bits", path, BITS,
                            default=base.weight_bits) if weights else base.weight_bits
    abits = raw.get("activation_bits", base.activation_bits)
    if abits == 0 and not isinstance(abits, bool):
        chk.add(join(path, "activation_bits"),
                "0 activation bits would skip the whole layer and starve every later one; use "
                "1..16 here and a crop trace to skip pixels")
        abits = None
    else:
        abits = chk.bounded(raw, "activation_bits", path, BITS, default=base.activation_bits)
    exps = _exponents(chk, raw.get("exponents"), join(path, "exponents"), base.exponents)
    if len(chk.problems) > before or wbits is None:  # wbits is None only with a problem recorded
        return None
    return LayerPrecision(weight_bits=wbits, activation_bits=abits, exponents=exps)


def _exponents(chk: Checker, raw: Any, path: str, base: Exponents) -> Exponents:
    if raw is None:
        return base
    if not chk.obj(raw, path):
        return base
    chk.keys(raw, path, EXPONENT_KEYS)
    values = {key: chk.bounded_int(raw, key, path, EXPONENT, default=getattr(base, key))
              for key in EXPONENT_KEYS}
    checked = {key: v for key, v in values.items() if v is not None}
    if len(checked) < len(values):
        return base
    return Exponents(**checked)


def _refuse_weight_keys(chk: Checker, raw: Mapping, path: str, kind: str) -> None:
    if "weight_bits" in raw:
        chk.add(join(path, "weight_bits"), f"a {kind} layer has no weights; remove weight_bits "
                                           f"(got {describe(raw['weight_bits'])})")
    exps = raw.get("exponents")
    if isinstance(exps, Mapping) and "weight" in exps:
        chk.add(join(join(path, "exponents"), "weight"),
                f"a {kind} layer has no weights; remove the weight exponent")

