"""The per-image works of a run and the keys that find identical ones (docs/decisions.md D36, D56).

In single mode an image's result depends only on its work (the bits of every map), so images with
identical works share one simulation (`isaacsim.single_run`). A work is told apart by its trace
record where the record determines it (`record_key`: a compact record's crop, fraction and bits;
the same uncropped work for every baseline image), else by a digest of its maps (`digest`). A
single-mode run keeps only each image's `WorkFacts` (`work_facts`) and frees its maps; the works of
a stream (`trace_works`) are kept together, identical ones sharing one copy of their maps, which
are stored as bytes (`isaacsim.plan.compact_map`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np

from isaacsim.crop import row_block_mask
from isaacsim.crop.fc import flat_mask
from isaacsim.network import IMAGE
from isaacsim.plan import ImageWork, WorkFacts, compact_map
from isaacsim.predictor.network import whole_image_layers
from isaacsim.targets.isaac.lowering import Lowered, image_work
from isaacsim.traces import CompactImage, image_bits
from isaacsim.workload import Workload

MAPS = "maps"
"""The record key of an explicit record's work: ``(MAPS, digest of its maps)``."""


def layer_bits(lowered: Lowered, workload: Workload, image, uncropped: bool) -> ImageWork:
    """The work of one trace image (or of the same image uncropped) on `lowered`."""
    net, prec, crop = lowered.network, workload.precision, workload.crop
    if uncropped:
        mask = np.ones(net.input_shape[:2], np.uint8)
        bits = {layer.name: np.full(layer.out_shape[:2], prec.of(layer.name).activation_bits,
                                    np.uint8) for layer in net.layers}
        return image_work(lowered, image.image_id, mask, bits)
    whole = whole_image_layers(net)     # the crop predictor's: it scans the whole image
    mask = np.ones(net.input_shape[:2], np.uint8) if whole else image_bits(
        image, net, IMAGE, 1, rounding=crop.rounding, default_fraction=crop.fraction)
    bits = {layer.name: np.full(layer.out_shape[:2], prec.of(layer.name).activation_bits, np.uint8)
            if layer.name in whole else
            image_bits(image, net, layer.name, prec.of(layer.name).activation_bits,
                       rounding=crop.rounding, default_fraction=crop.fraction)
            for layer in net.layers}
    return image_work(lowered, image.image_id, mask, bits)


def digest(work: ImageWork) -> bytes:
    """Digest of a work's bit maps (each in its compact form, `compact_map`)."""
    h = hashlib.blake2b(digest_size=16)
    for b in work.bits:
        a = compact_map(b)
        h.update(a.dtype.str.encode())
        h.update(a.data if a.flags.c_contiguous else a.tobytes())
        h.update(b"|")
    return h.digest()


def record_key(image, uncropped: bool) -> tuple | None:
    """What determines an image's work besides the workload: nothing for the uncropped baseline;
    a compact record's crop, fraction and bits; None for an explicit (region) record, whose maps
    must be compared themselves."""
    if uncropped:
        return ("uncropped",)
    if isinstance(image, CompactImage):
        return ("compact", image.crop, image.fraction, image.all_bits, image.layer_bits)
    return None


class WorkKeys:
    """``keys(work, record)``: a key that identical works share, the digest of the work's maps.

    A `record` (`record_key`), when not None, determines the work: the maps are then hashed once
    per distinct record instead of once per image (a 1,000-image compact trace: about 16 digests,
    not 1,000), and a ``(MAPS, digest)`` record is its digest. Records that differ but give the
    same maps still share a key, so the distinct works are the same either way."""

    def __init__(self) -> None:
        self.by_record: dict = {}

    def __call__(self, work: ImageWork, record: tuple | None = None) -> bytes:
        if record is None:
            return digest(work)
        k = self.by_record.get(record)
        if k is None:
            k = self.by_record[record] = record[1] if record[0] == MAPS else digest(work)
        return k


def work_keys(works: list[ImageWork], records: list | None = None) -> list[bytes]:
    """`WorkKeys` of every work (`records[i]` the record key of work i, or None)."""
    keys = WorkKeys()
    return [keys(w, records[i] if records is not None else None) for i, w in enumerate(works)]


def trace_works(lowered: Lowered, workload: Workload, images: list, arrivals: list[int],
                uncropped: bool, each: Callable[[ImageWork, tuple], None] | None = None
                ) -> tuple[list[ImageWork], list]:
    """The works of trace `images` (or of the same images uncropped) and their record keys;
    `each(work, record)` is called on every work as it is built.

    A compact record's work depends only on its `record_key` and the uncropped work is the same
    for every image: each distinct one is built once and its maps shared. An explicit record's
    maps are built and hashed, and identical ones share one copy too (its record key is then
    ``(MAPS, digest)``)."""
    cache: dict[tuple, ImageWork] = {}
    out, records = [], []
    for img, a in zip(images, arrivals):
        sig = record_key(img, uncropped)
        if sig is None:
            w = layer_bits(lowered, workload, img, uncropped)
            sig = (MAPS, digest(w))
            w = cache.setdefault(sig, w)
        else:
            found = cache.get(sig)
            w = found if found is not None else cache.setdefault(
                sig, layer_bits(lowered, workload, img, uncropped))
        work = ImageWork(img.image_id, w.bits, a)
        out.append(work)
        records.append(sig)
        if each is not None:
            each(work, sig)
    return out, records


def _active_row_blocks(spec, bits: np.ndarray) -> tuple[int, int]:
    """(active row blocks, rows in them) of a matrix whose rows are `spec`'s input map flattened
    (`bits`: that map)."""
    flat = flat_mask(bits > 0, spec.channels, spec.flatten)
    blocks = row_block_mask(flat, spec.rows)
    sizes = np.minimum(spec.rows, flat.size - spec.rows * np.arange(blocks.size))
    return int(blocks.sum()), int(sizes[blocks].sum())


def work_facts(lowered: Lowered, works: list[ImageWork]) -> WorkFacts:
    """The `WorkFacts` of `works`; works that share their maps (identical works) are counted once."""
    nodes = len(lowered.plan.nodes)
    facts = WorkFacts.empty(len(works), nodes)
    specs = [(n, spec) for n, spec in enumerate(lowered.events.row_blocks) if spec is not None]
    seen: dict[int, int] = {}
    for i, w in enumerate(works):
        facts.arrival[i] = w.arrival_cycle
        j = seen.setdefault(id(w.bits), i)
        if j != i:
            facts.active[i], facts.row_blocks[i] = facts.active[j], facts.row_blocks[j]
            continue
        facts.active[i] = [np.count_nonzero(b) for b in w.bits]
        for n, spec in specs:
            facts.row_blocks[i, n] = _active_row_blocks(spec, w.bits[spec.source])
    return facts
