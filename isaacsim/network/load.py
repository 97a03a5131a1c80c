"""Loading and validating network descriptions (JSON, ``format_version`` 1).

`load_network` accepts a file path or a built-in name; `network_from_dict` builds a network from
an already-parsed object (the Python API and files share this one path). Every problem in the
description is collected and raised together as one `InputError`, each with its JSON path
(``$.layers[3].stride``) and the layer's name. The format is documented in
``docs/network-format.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import isaacsim
from isaacsim.errors import InputError, Problem
from isaacsim.jsonio import load_json
from isaacsim.network.model import ACTIVATIONS, IMAGE, KINDS, Layer, Network, Shape
from isaacsim.network.shapes import (
    CHANNELS,
    FEATURES,
    GROUPS,
    KERNEL,
    LAYERS,
    MAP_VALUES,
    NETWORK_PIXELS,
    PADDING,
    SIDE,
    STRIDE,
    LayerSpec,
    infer_layer,
)
from isaacsim.validate import Bound, Checker, describe, did_you_mean, join, number_text

FORMAT_VERSION = 1
NETWORKS_SUBDIR = Path("workloads") / "networks"

_TOP_KEYS = {"format_version", "name", "source", "notes", "input", "layers"}
_COMMON_KEYS = {"name", "kind", "input", "comment"}
_KIND_KEYS = {
    "conv": {"kernel", "stride", "padding", "out_channels", "groups", "activation"},
    "maxpool": {"kernel", "stride", "padding"},
    "avgpool": {"kernel", "stride", "padding"},
    "fc": {"out_features", "activation"},
    "add": {"add", "activation"},
}
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def network_dirs() -> tuple[Path, ...]:
    """Folders searched for built-in names, in order: ``./workloads/networks`` then the one in the
    repository checkout that holds this package (once when they are the same folder)."""
    here = Path.cwd() / NETWORKS_SUBDIR
    repo = Path(isaacsim.__file__).resolve().parents[1] / NETWORKS_SUBDIR
    return (here,) if here.resolve() == repo else (here, repo)


def builtin_networks() -> tuple[str, ...]:
    """Names resolvable by `load_network` without a path, sorted."""
    names = {p.stem for d in network_dirs() if d.is_dir() for p in d.glob("*.json")}
    return tuple(sorted(names))


def resolve_network(name_or_file: str | Path) -> Path:
    """The file a network argument designates.

    An argument that names an existing file, ends in ``.json`` or contains a path separator is a
    file path; anything else is a built-in name looked up as ``<name>.json`` in `network_dirs`.
    """
    text = str(name_or_file)
    path = Path(text)
    if path.is_file() or text.endswith(".json") or "/" in text or "\\" in text:
        return path
    for folder in network_dirs():
        candidate = folder / f"{text}.json"
        if candidate.is_file():
            return candidate
    known = builtin_networks()
    raise InputError(Problem(text, "", f"no network file or built-in network of this name"
                                       f"{did_you_mean(text, known)}; built-in networks: "
                                       f"{', '.join(known) or 'none found'} (searched "
                                       f"{', '.join(str(d) for d in network_dirs())})"))


def load_network(name_or_file: str | Path = "vgg16") -> Network:
    """Load, validate and shape-check a network given by file path or built-in name."""
    path = resolve_network(name_or_file)
    return network_from_dict(load_json(path, "network file"), source=str(path))


def network_from_dict(data: Any, source: str = "<network>") -> Network:
    """Validate a parsed network description and build the `Network`; raises `InputError`."""
    chk = Checker(source)
    if not isinstance(data, Mapping):
        chk.add("$", f"expected a network description object ({{...}}), got {describe(data)}")
        chk.raise_if_any()
    chk.keys(data, "$", _TOP_KEYS, required={"format_version", "name", "layers", "input"})
    chk.format_version(data, FORMAT_VERSION)
    name = chk.string(data, "name", "$", default="")
    src = chk.string(data, "source", "$", default="")
    chk.string(data, "notes", "$", default="")
    input_shape = _input_shape(chk, data.get("input"))
    layers = _layers(chk, data.get("layers"), input_shape)
    chk.raise_if_any()
    return Network(name=name, source=src, input_shape=input_shape, layers=tuple(layers),
                   origin=source)


def _input_shape(chk: Checker, value: Any) -> Shape | None:
    if value is None or not chk.keys(value, "$.input", {"height", "width", "channels"},
                                     required={"height", "width", "channels"}):
        return None
    dims = [chk.bounded(value, key, "$.input", bound)
            for key, bound in (("height", SIDE), ("width", SIDE), ("channels", CHANNELS))]
    if None in dims:
        return None
    shape = Shape(*dims)
    for size, bound, what in ((shape.pixels, NETWORK_PIXELS, "height x width ="),
                              (shape.values, MAP_VALUES, "height x width x channels =")):
        if size > bound.maximum:
            chk.add("$.input", f"the input image {shape} has {what} {size:,}, more than the "
                               f"{number_text(bound.maximum)} accepted ({bound.reason})")
            return None
    return shape


def _layers(chk: Checker, value: Any, input_shape: Shape | None) -> list[Layer]:
    """Validate every layer and infer shapes; problems go to `chk`, good layers are returned."""
    if value is None:
        return []
    if not isinstance(value, list) or not value:
        chk.add("$.layers", f"expected a non-empty list of layers, got {describe(value)}")
        return []
    if len(value) > LAYERS.maximum:
        chk.add("$.layers", f"{len(value):,} layers, more than the {LAYERS.maximum:,} accepted "
                            f"({LAYERS.reason})")
        return []
    first_index = _first_indices(value)
    shapes: dict[str, Shape | None] = {IMAGE: input_shape}  # None: known name, unknown shape
    layers: list[Layer] = []
    pixels = input_shape.pixels if input_shape is not None else 0
    for i, raw in enumerate(value):
        path = join("$.layers", i)
        sub = Checker(chk.source)
        spec = _spec(sub, raw, path, i, first_index)
        layer = None
        if spec is not None and sub.ok:
            in_shape = shapes.get(spec.input_name)
            added = shapes.get(spec.add_name) if spec.kind == "add" else in_shape
            if in_shape is not None and added is not None:
                layer, problems = infer_layer(spec, in_shape, added)
                for key, message in problems:
                    sub.add(join(path, key) if key else path, message)
        if layer is not None:
            pixels += layer.out_shape.pixels
            if pixels > NETWORK_PIXELS.maximum:
                sub.add(path, f"the maps up to this layer hold {pixels:,} pixels (height x width "
                              f"summed over the input and every layer), more than the "
                              f"{number_text(NETWORK_PIXELS.maximum)} accepted "
                              f"({NETWORK_PIXELS.reason})")
                layer, pixels = None, -(2 ** 63)   # reported once
        label = _label(raw, i)
        chk.extend(Problem(p.source, p.place, f"{label}: {p.message}") for p in sub.problems)
        if layer is not None:
            layers.append(layer)
        name = raw.get("name") if isinstance(raw, Mapping) else None
        if isinstance(name, str) and first_index.get(name) == i:
            shapes[name] = layer.out_shape if layer is not None else None
    return layers


def _first_indices(raw_layers: list) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, raw in enumerate(raw_layers):
        name = raw.get("name") if isinstance(raw, Mapping) else None
        if isinstance(name, str):
            out.setdefault(name, i)
    return out


def _label(raw: Any, index: int) -> str:
    name = raw.get("name") if isinstance(raw, Mapping) else None
    return f"layer '{name}'" if isinstance(name, str) and name else f"layer {index}"


def _spec(chk: Checker, raw: Any, path: str, index: int,
          first_index: dict[str, int]) -> LayerSpec | None:
    """Validate the keys and values of one layer; `None` when it cannot be understood at all."""
    if not chk.obj(raw, path):
        return None
    name = chk.string(raw, "name", path)
    if name is not None:
        if name == IMAGE:
            chk.add(join(path, "name"), f"'{IMAGE}' is reserved for the network's input image")
        elif not _NAME_RE.match(name):
            chk.add(join(path, "name"), f"bad layer name {name!r}: use letters, digits, '_' and "
                                        f"'-', starting with a letter or '_'")
        elif first_index.get(name, index) < index:
            chk.add(join(path, "name"), f"duplicate layer name '{name}': $.layers"
                                        f"[{first_index[name]}] already has it")
    kind = chk.choice(raw, "kind", path, KINDS)
    if kind is None:
        return None
    chk.keys(raw, path, _COMMON_KEYS | _KIND_KEYS[kind])  # values report missing keys
    default_input = _previous_name(index, first_index)
    input_name = _reference(chk, raw, "input", path, index, first_index, default_input)
    fields: dict[str, Any] = {}
    if kind in ("conv", "maxpool", "avgpool"):
        fields["kernel"] = _pair(chk, raw, "kernel", path, KERNEL)
        default_stride = 1 if kind == "conv" else fields["kernel"]
        fields["stride"] = _pair(chk, raw, "stride", path, STRIDE, default=default_stride)
        fields["padding"] = _pair(chk, raw, "padding", path, PADDING, default=0)
        if kind != "conv" and fields["kernel"] and fields["padding"]:
            _check_pool_padding(chk, path, fields["kernel"], fields["padding"])
    if kind == "conv":
        fields["out_channels"] = chk.bounded(raw, "out_channels", path, CHANNELS)
        fields["groups"] = chk.bounded(raw, "groups", path, GROUPS, default=1)
    if kind == "fc":
        fields["out_channels"] = chk.bounded(raw, "out_features", path, FEATURES)
    if kind == "add":
        fields["add_name"] = _reference(chk, raw, "add", path, index, first_index, None,
                                        required=True)
    if kind in ("conv", "fc", "add"):
        fields["activation"] = chk.choice(raw, "activation", path, ACTIVATIONS)
    comment = chk.string(raw, "comment", path, default="")
    if name is None or input_name is None or any(v is None for v in fields.values()):
        return None
    return LayerSpec(name=name, kind=kind, index=index, input_name=input_name,
                     comment=comment or "", **fields)


def _check_pool_padding(chk: Checker, path: str, kernel: tuple[int, int],
                        padding: tuple[int, int]) -> None:
    if any(2 * p > k for k, p in zip(kernel, padding)):
        chk.add(join(path, "padding"), f"padding {padding[0]}x{padding[1]} is more than half the "
                                       f"kernel {kernel[0]}x{kernel[1]}: some pooling windows "
                                       f"would hold only padding")


def _previous_name(index: int, first_index: dict[str, int]) -> str | None:
    """Name of the layer just before `index` (the image for the first layer); `None` when that
    layer has no usable name (its own problem is reported where it is)."""
    if index == 0:
        return IMAGE
    return next((name for name, i in first_index.items() if i == index - 1), None)


def _reference(chk: Checker, raw: Mapping, key: str, path: str, index: int,
               first_index: dict[str, int], default: str | None,
               required: bool = False) -> str | None:
    """A reference to an earlier layer (or the image) in ``raw[key]``, checked; `default` when
    the key is absent (`None` when unknown, e.g. the previous layer has no valid name)."""
    if key not in raw:
        if required:
            chk.add(join(path, key), "missing required key (expected the name of an earlier layer)")
        return default
    ref = chk.string(raw, key, path)
    if ref is None or ref == IMAGE:
        return ref
    where = join(path, key)
    if ref not in first_index:
        chk.add(where, f"unknown layer '{ref}'{did_you_mean(ref, list(first_index) + [IMAGE])}; "
                       f"name an earlier layer or '{IMAGE}' for the input image")
        return None
    if first_index[ref] >= index:
        what = "itself" if first_index[ref] == index else \
            f"'{ref}', which comes later ($.layers[{first_index[ref]}])"
        chk.add(where, f"refers to {what}; a layer can only use the output of an earlier layer")
        return None
    return ref


def _pair(chk: Checker, raw: Mapping, key: str, path: str, bound: Bound,
          default: Any = None) -> tuple[int, int] | None:
    """An int or a two-element ``[height, width]`` list of ints within `bound`."""
    value = raw.get(key, default)
    where = join(path, key)
    if value is None:
        chk.add(where, "missing required key (expected an integer or [height, width])")
        return None
    if isinstance(value, tuple):  # an already validated default
        return value
    items = value if isinstance(value, list) else [value, value]
    if len(items) != 2 or any(bound.problem(v) for v in items):
        chk.add(where, f"expected an integer{bound.range_text} or a list [height, width] of them, "
                       f"got {describe(value)}")
        return None
    return (items[0], items[1])
