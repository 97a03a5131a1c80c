"""Checks across records and against a network: duplicate ids, map names, regions inside maps.

Field-level checks (vector, fraction, bits, JSON structure, version) happen while reading
(`compact`, `explicit`); these are the rest. Every problem is recorded in the caller's `Checker`
with the record's place, so ``traces validate`` and the simulator's loader report the same list.
"""

from __future__ import annotations

from isaacsim.network import IMAGE, Network
from isaacsim.traces.model import CompactImage, ExplicitImage, Trace
from isaacsim.validate import Checker, did_you_mean


def check_trace(trace: Trace, network: Network | None, chk: Checker) -> None:
    """Record every cross-record and network problem of `trace` in `chk`."""
    check_unique_ids(trace, chk)
    if network is None:
        return
    if trace.form == "explicit" and trace.network_name not in (None, network.name):
        chk.add("line 1, $.network", f"the trace was written for network '{trace.network_name}' "
                                     f"but is checked against '{network.name}'; region "
                                     f"coordinates are specific to one network")
    names = map_names(network)
    for image in trace.images:
        if isinstance(image, CompactImage):
            _check_compact(image, network, names, chk)
        else:
            _check_explicit(image, network, names, chk)


def map_names(network: Network) -> tuple[str, ...]:
    """Names a trace may give a map: ``"input"`` and every layer, in network order."""
    return (IMAGE,) + tuple(layer.name for layer in network.layers)


def check_unique_ids(trace: Trace, chk: Checker) -> None:
    first: dict[str, int] = {}
    field = "field image_id" if trace.form == "compact" else "$.image_id"
    for image in trace.images:
        if not image.image_id:
            continue        # reported as empty or missing by the reader
        if image.image_id in first:
            chk.add(f"line {image.line}, {field}",
                    f"duplicate image id '{image.image_id}' (first on line "
                    f"{first[image.image_id]}); image ids must be unique")
        else:
            first[image.image_id] = image.line


def _unknown(name: str, network: Network, names: tuple[str, ...]) -> str:
    return (f"unknown map '{name}' in network '{network.name}'{did_you_mean(name, names)}; maps are "
            f"'{IMAGE}' (the input image) and the layer names")


def _check_compact(image: CompactImage, network: Network, names: tuple[str, ...],
                   chk: Checker) -> None:
    for name, _ in image.layer_bits:
        if name not in names:
            chk.add(f"line {image.line}, field activation_bits", _unknown(name, network, names))


def _check_explicit(image: ExplicitImage, network: Network, names: tuple[str, ...],
                    chk: Checker) -> None:
    for region in image.regions:
        if region.layer not in names:
            chk.add(f"{region.place}.layer", _unknown(region.layer, network, names))
            continue
        shape = network.shape_of(region.layer)
        for key, (start, stop), size, what in (("rows", region.rows, shape.height, "rows"),
                                                ("cols", region.cols, shape.width, "columns")):
            if stop > size:
                chk.add(f"{region.place}.{key}",
                        f"window [{start}, {stop}) lies outside the map of '{region.layer}' "
                        f"({shape.height} x {shape.width}): {what} must lie within [0, {size})")
