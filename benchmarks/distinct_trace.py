"""Explicit traces in which every image has its own crop window, for benchmarks.

Each image gets a random rectangle of the input (seeded, deterministic): four margins, top,
bottom, left and right, each a fraction `m / SCALE` of the side with `m` drawn uniformly from
`0 .. MAX_MARGIN` (just under half a side, so a window is never empty). The window of every map
(the input and every layer's output map) is that rectangle scaled to the map, with the crop
model's floor rule per side (docs/crop-model.md, "scale feature maps proportionally", generalised
to a fraction per side): a map of `H` rows keeps rows `[floor(t H), H - floor(b H))`. An image is
written as an explicit record with `uncovered: "skip"` and one region per map at the default bits
(docs/trace-format.md), so the runner's `_layer_bits` turns it into per-layer bit maps exactly as
for a shipped trace. The engine does not propagate windows of explicit records: every map's
region is written out here.

Two images are distinct when their windows differ on some map (the bits are uniform inside a
window, so the windows determine the bit maps); a draw whose windows repeat an earlier image's is
drawn again, so no two images share their per-layer bit maps (single-mode runs share nothing).

    text = distinct_trace_text(network, images=50, seed=0)      # JSON Lines, never written to disk
    trace, works = distinct_works(workload, lowered, images=50, seed=0, arrival_interval=0)
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

from isaacsim.network import IMAGE, Network
from isaacsim.plan import ImageWork
from isaacsim.runner import _layer_bits
from isaacsim.targets.isaac.lowering import Lowered
from isaacsim.traces import Trace, parse_trace
from isaacsim.workload import Workload

SCALE = 4096
"""Margins are `m / SCALE` of a side (integer arithmetic: no float rounding in the windows)."""
MAX_MARGIN = SCALE * 45 // 100
"""At most 45 % of a side per margin: two opposite margins leave at least 10 % of the side."""


def map_names(network: Network) -> list[str]:
    """The input image and every layer's output map, in network order."""
    return [IMAGE] + [layer.name for layer in network.layers]


def map_shape(network: Network, name: str) -> tuple[int, int]:
    shape = network.shape_of(name)
    return shape.height, shape.width


def scaled_window(height: int, width: int, margins) -> tuple[int, int, int, int]:
    """Rows [r0, r1) x cols [c0, c1) of a `height` x `width` map under margins (t, b, l, r),
    each in units of 1 / SCALE; never empty since t + b < SCALE and l + r < SCALE."""
    t, b, left, right = (int(m) for m in margins)
    return (t * height // SCALE, height - b * height // SCALE,
            left * width // SCALE, width - right * width // SCALE)


def draw_windows(network: Network, images: int,
                 seed: int) -> list[dict[str, tuple[int, int, int, int]]]:
    """Per image, map name -> window (r0, r1, c0, c1); no two images have the same windows on
    every map. Deterministic in (network, images, seed)."""
    rng = np.random.default_rng(seed)
    names = map_names(network)
    shapes = [map_shape(network, name) for name in names]
    seen: set[tuple] = set()
    out: list[dict[str, tuple[int, int, int, int]]] = []
    for _ in range(100 * images + 1000):
        if len(out) == images:
            break
        margins = rng.integers(0, MAX_MARGIN + 1, size=4)
        wins = tuple(scaled_window(h, w, margins) for h, w in shapes)
        if wins in seen:
            continue
        seen.add(wins)
        out.append(dict(zip(names, wins)))
    if len(out) < images:
        raise ValueError(f"{network.name}: found only {len(out)} distinct windows, {images} asked "
                         f"for")
    return out


def distinct_trace_text(network: Network, images: int, seed: int = 0) -> str:
    """The explicit trace (JSON Lines text) of `images` images with distinct windows."""
    header = {"format": "isaacsim-trace", "format_version": 1, "form": "explicit",
              "network": network.name,
              "generator": f"benchmarks/distinct_trace.py --images {images} --seed {seed}",
              "comment": "a random window per image, scaled to every map (floor per side)"}
    width = len(str(max(images - 1, 0)))
    lines = [json.dumps(header)]
    for i, wins in enumerate(draw_windows(network, images, seed)):
        regions = [{"layer": name, "rows": [r0, r1], "cols": [c0, c1], "bits": "default"}
                   for name, (r0, r1, c0, c1) in wins.items()]
        lines.append(json.dumps({"image_id": f"img{i:0{width}d}", "uncovered": "skip",
                                 "regions": regions}))
    return "\n".join(lines) + "\n"


def distinct_trace(network: Network, images: int, seed: int = 0) -> Trace:
    """The trace of `distinct_trace_text`, read back by the loader (validated against `network`)."""
    text = distinct_trace_text(network, images, seed)
    return parse_trace(text, f"<distinct trace of {network.name}, seed {seed}>", form="explicit",
                       network=network)


def distinct_works(workload: Workload, lowered: Lowered, images: int, seed: int = 0,
                   arrival_interval: int = 0) -> tuple[Trace, list[ImageWork]]:
    """The trace and its per-image works (per-node bit maps, as the runner builds them); image i
    arrives at `i * arrival_interval` (used in stream mode only)."""
    trace = distinct_trace(workload.network, images, seed)
    works = []
    for i, image in enumerate(trace.images):
        w = _layer_bits(lowered, workload, image, False)
        works.append(ImageWork(w.image_id, w.bits, i * arrival_interval))
    return trace, works


def work_digest(work: ImageWork) -> bytes:
    """A digest of a work's bit maps (shapes included)."""
    h = hashlib.blake2b(digest_size=16)
    for b in work.bits:
        h.update(repr(b.shape).encode())
        h.update(np.ascontiguousarray(b, dtype=np.int64).tobytes())
    return h.digest()


def main(argv: list[str] | None = None) -> int:
    """Write a distinct-image explicit trace to a file (for `run`, e.g. the 50,000-image scale
    check in docs/reports.md)."""
    import argparse
    import sys
    from pathlib import Path

    from isaacsim.network import load_network
    from isaacsim.outputs import write_file

    p = argparse.ArgumentParser(description="an explicit trace in which every image has its own "
                                            "crop window (see the module's docstring)")
    p.add_argument("--network", required=True, help="a shipped network name or a network file")
    p.add_argument("--images", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="the trace file to write (.jsonl)")
    args = p.parse_args(argv)
    network = load_network(args.network)
    write_file(Path(args.out), distinct_trace_text(network, args.images, args.seed))
    print(f"{args.out}: {args.images} images with distinct windows for {network.name}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
