"""Loading and validating network descriptions (JSON, ``format_version`` 1).

`load_network` accepts a file path or a built-in name; `network_from_dict` builds a network from
an already-parsed object (the Python API and files share this one path). Every problem in the
description is collected and raised together as one `InputError`, each with its JSON path
(``$.layers[3].stride``) and the layer's name. The format is documented in
``docs/network-format.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import isaacsim
from isaacsim.errors import InputError, Problem
from isaacsim.jsonio import load_json
from isaacsim.network.model import IMAGE, Layer, Network, Shape
from isaacsim.network.shapes import CHANNELS, LAYERS, MAP_VALUES, NETWORK_PIXELS, SIDE, size_problems
from isaacsim.validate import Checker, describe, did_you_mean, join, number_text

if TYPE_CHECKING:
    from isaacsim.layers import LayerKind

FORMAT_VERSION = 1
NETWORKS_SUBDIR = Path("workloads") / "networks"

_TOP_KEYS = {"format_version", "name", "source", "notes", "input", "layers"}
_COMMON_KEYS = {"name", "kind", "input", "comment"}
_LAYER_FIELDS = {"kernel", "stride", "padding", "groups", "out_channels", "activation"}
"""Kind fields that are `Layer` attributes; any other field a kind parses goes to `Layer.params`."""
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def builtin_folder(*parts: str) -> Path:
    """A folder of the shipped data (``builtin_folder("workloads", "networks")``), resolved.

    The shipped workloads, networks and traces are package data: ``isaacsim/data/workloads/``
    (with ``networks/``) and ``isaacsim/data/traces/``. In a wheel these are the files themselves;
    in a repository checkout they are links to the top-level ``workloads/`` and ``traces/``, the
    one copy in git, so the resolved folder is the top-level one there. A checkout without the
    links (git on a system without symbolic links) uses its top-level folders directly.
    """
    package = Path(isaacsim.__file__).resolve().parent
    data = package.joinpath("data", *parts)
    if data.is_dir():
        return data.resolve()
    checkout = package.parent
    if (checkout / "pyproject.toml").is_file() and checkout.joinpath(*parts).is_dir():
        return checkout.joinpath(*parts)
    return data


def network_dirs() -> tuple[Path, ...]:
    """Folders searched for built-in names, in order: ``./workloads/networks`` under the current
    directory, then the shipped networks (`builtin_folder`: ``isaacsim/data/workloads/networks``,
    in a checkout the top-level ``workloads/networks``); once when they are the same folder."""
    return search_dirs(NETWORKS_SUBDIR)


def search_dirs(subdir: Path) -> tuple[Path, ...]:
    """``./<subdir>`` under the current directory, then the shipped ``<subdir>`` (once when they
    are the same folder): where built-in names of networks and workloads are looked up."""
    here = Path.cwd() / subdir
    shipped = builtin_folder(*subdir.parts)
    return (here,) if here.resolve() == shipped else (here, shipped)


def builtin_networks() -> tuple[str, ...]:
    """Names resolvable by `load_network` without a path, sorted."""
    return names_in(network_dirs())


def names_in(folders: Sequence[Path]) -> tuple[str, ...]:
    """The names (file stems) of the ``*.json`` files in `folders`, sorted."""
    return tuple(sorted({p.stem for d in folders if d.is_dir() for p in d.glob("*.json")}))


def names_a_file(text: str) -> bool:
    """The argument rule of networks and workloads: an argument that names an existing file, ends
    in ``.json`` or contains a path separator is a file path; anything else is a built-in name.
    (An empty argument, or one with a NUL, is a file path too, which the file reader refuses.)"""
    return (Path(text).is_file() or text.endswith(".json") or "/" in text or "\\" in text
            or not text.strip() or "\x00" in text)


def resolve_builtin(name_or_file: str | Path, folders: Sequence[Path], what: str) -> Path:
    """The file a `what` (``network``, ``workload``) argument designates: a file path by
    `names_a_file`, else ``<name>.json`` in the first of `folders` that has it.

    An unknown name, and a missing ``NAME.json`` (no separator) whose NAME is built in, are input
    errors listing the built-in names with a did-you-mean.
    """
    text = str(name_or_file)
    if names_a_file(text):
        path = Path(text)
        stem = text[:-len(".json")]
        if not path.exists() and text.endswith(".json") and stem in names_in(folders):
            raise InputError(Problem(text, "", f"{what} file not found (relative paths are taken "
                                               f"from the current directory {Path.cwd()}); did "
                                               f"you mean the built-in {what} '{stem}'? A built-in "
                                               f"is named without .json"))
        return path
    for folder in folders:
        candidate = folder / f"{text}.json"
        if candidate.is_file():
            return candidate
    known = names_in(folders)
    raise InputError(Problem(text, "", f"no {what} file or built-in {what} of this name"
                                       f"{did_you_mean(text, known)}; built-in {what}s: "
                                       f"{', '.join(known) or 'none found'} (searched "
                                       f"{', '.join(str(d) for d in folders)}; a path with a / "
                                       f"or ending in .json is read as a file)"))


def resolve_network(name_or_file: str | Path) -> Path:
    """The file a network argument designates (`resolve_builtin`).

    An argument that names an existing file, ends in ``.json`` or contains a path separator is a
    file path; anything else is a built-in name looked up as ``<name>.json`` in `network_dirs`.
    """
    return resolve_builtin(name_or_file, network_dirs(), "network")


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
    # a missing "input" or "layers" is reported by chk.keys; null is a bad value
    input_shape = _input_shape(chk, data["input"]) if "input" in data else None
    layers = _layers(chk, data["layers"], input_shape) if "layers" in data else []
    chk.raise_if_any()
    assert name is not None and src is not None and input_shape is not None  # no problem: all read
    return Network(name=name, source=src, input_shape=input_shape, layers=tuple(layers),
                   origin=source)


def _input_shape(chk: Checker, value: Any) -> Shape | None:
    if not chk.keys(value, "$.input", {"height", "width", "channels"},
                    required={"height", "width", "channels"}):
        return None
    height, width, channels = (chk.bounded_int(value, key, "$.input", bound)
                               for key, bound in (("height", SIDE), ("width", SIDE),
                                                  ("channels", CHANNELS)))
    if height is None or width is None or channels is None:
        return None
    shape = Shape(height, width, channels)
    for size, bound, what in ((shape.pixels, NETWORK_PIXELS, "height x width ="),
                              (shape.values, MAP_VALUES, "height x width x channels =")):
        if size > bound.limit:
            chk.add("$.input", f"the input image {shape} has {what} {size:,}, more than the "
                               f"{number_text(bound.limit)} accepted ({bound.reason})")
            return None
    return shape


def _layers(chk: Checker, value: Any, input_shape: Shape | None) -> list[Layer]:
    """Validate every layer and infer shapes; problems go to `chk`, good layers are returned."""
    if not isinstance(value, list) or not value:
        chk.add("$.layers", f"expected a non-empty list of layers, got {describe(value)}")
        return []
    if len(value) > LAYERS.limit:
        chk.add("$.layers", f"{len(value):,} layers, more than the {LAYERS.limit:,} accepted "
                            f"({LAYERS.reason})")
        return []
    first_index = _first_indices(value)
    shapes: dict[str, Shape | None] = {IMAGE: input_shape}  # None: known name, unknown shape
    layers: list[Layer] = []
    pixels = input_shape.pixels if input_shape is not None else 0
    for i, raw in enumerate(value):
        path = join("$.layers", i)
        sub = Checker(chk.source)
        parsed = _parse(sub, raw, path, i, first_index)
        layer = None
        if parsed is not None and sub.ok:
            kind, common, fields = parsed
            known = [shapes.get(name) for name in common["inputs"]]
            in_shapes = tuple(shape for shape in known if shape is not None)
            if len(in_shapes) == len(known):
                layer, problems = _infer(kind, common, fields, in_shapes)
                for key, message in problems:
                    sub.add(join(path, key) if key else path, message)
        if layer is not None:
            pixels += layer.out_shape.pixels
            if pixels > NETWORK_PIXELS.limit:
                sub.add(path, f"the maps up to this layer hold {pixels:,} pixels (height x width "
                              f"summed over the input and every layer), more than the "
                              f"{number_text(NETWORK_PIXELS.limit)} accepted "
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


def _parse(chk: Checker, raw: Any, path: str, index: int, first_index: dict[str, int]
           ) -> tuple[LayerKind, dict[str, Any], dict[str, Any]] | None:
    """Validate the keys and values of one layer: its kind, the common fields (name, index,
    inputs, comment) and the kind's own fields; `None` when it cannot be understood."""
    from isaacsim.layers import LayerParser, get_kind, kind_names  # the kinds import network.model
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
    kind_name = chk.choice(raw, "kind", path, kind_names())
    if kind_name is None:
        return None
    kind = get_kind(kind_name)
    chk.keys(raw, path, _COMMON_KEYS | kind.keys)  # values report missing keys
    parser = LayerParser(chk, raw, path, index, first_index)
    input_name = parser.reference("input", _previous_name(index, first_index))
    fields = dict(kind.parse(parser))
    extra = tuple(fields.pop("inputs", ()))
    comment = chk.string(raw, "comment", path, default="")
    if name is None or input_name is None or None in extra or any(v is None for v in fields.values()):
        return None
    common = {"name": name, "index": index, "inputs": (input_name, *extra), "comment": comment or ""}
    return kind, common, fields


def _infer(kind: LayerKind, common: dict[str, Any], fields: dict[str, Any],
           in_shapes: tuple[Shape, ...]) -> tuple[Layer | None, list[tuple[str, str]]]:
    """The `Layer` the kind infers from its fields and its producers' shapes, or its problems
    (``(key, message)`` pairs); a layer too large to simulate is refused (`size_problems`)."""
    work, problems = kind.infer({**fields, "inputs": common["inputs"]}, in_shapes)
    if problems:
        return None, problems
    work = dict(work)
    attrs = {k: v for k, v in fields.items() if k in _LAYER_FIELDS}
    params = {k: v for k, v in fields.items() if k not in _LAYER_FIELDS}
    out_shape = work.pop("out_shape")
    attrs["out_channels"] = attrs.get("out_channels") or out_shape.channels
    layer = Layer(kind=kind.name, in_shape=in_shapes[0], out_shape=out_shape, params=params,
                  **common, **attrs, **work)
    too_large = size_problems(layer)
    return (None, too_large) if too_large else (layer, [])


def _previous_name(index: int, first_index: dict[str, int]) -> str | None:
    """Name of the layer just before `index` (the image for the first layer); `None` when that
    layer has no usable name (its own problem is reported where it is)."""
    if index == 0:
        return IMAGE
    return next((name for name, i in first_index.items() if i == index - 1), None)
