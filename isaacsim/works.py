"""The per-image works of a run and the keys that find identical ones (docs/decisions.md D36, D56).

In single mode an image's result depends only on its work (the bits of every map), so images with
identical works share one simulation (`isaacsim.single_run`). A work is told apart by its trace
record where the record determines it (`record_key`: a compact record's crop, fraction and bits;
the same uncropped work for every baseline image), else by a digest of its maps (`digest`). A
run keeps only each image's `WorkFacts` (`work_facts`) and frees its maps, in single mode
(`isaacsim.single_run`) and in stream mode (`isaacsim.stream_run`, which builds each work when
the engine needs it). Maps are stored as bytes (`isaacsim.plan.compact_map`).
"""

from __future__ import annotations

import hashlib

import numpy as np

from isaacsim.crop import row_block_mask
from isaacsim.crop.fc import flat_mask
from isaacsim.network import IMAGE
from isaacsim.plan import ImageWork, WorkFacts, compact_map
from isaacsim.predictor.network import whole_image_layers
from isaacsim.targets.isaac.lowering import Lowered, image_work
from isaacsim.traces import CompactImage, image_bits
from isaacsim.workload import Workload


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
        facts.active[i] = w.active_pixels()
        for n, spec in specs:
            facts.row_blocks[i, n] = _active_row_blocks(spec, w.bits[spec.source])
    return facts
