"""Per-image crop traces: formats, validation, the engine's per-pixel bits, generators, stats.

Formats (``docs/trace-format.md``): compact CSV (one crop vector per image) and explicit JSON Lines
(regions with activation bits per map). Public API::

    load_trace(path, network=None) -> Trace          # validates; InputError lists every problem
    parse_trace(text, source, form=..., network=None) -> Trace
    Trace.images -> tuple[CompactImage | ExplicitImage, ...]   # .image_id, .fields
    image_bits(image, network, layer_name, default_bits, rounding=..., default_fraction=...)
        -> np.ndarray (H, W) int64, 0 = skipped      # what the engine consumes
    active_mask(image, network, layer_name="input") -> np.ndarray (H, W) bool
    expand(trace, network, rounding=...) -> Trace     # compact -> explicit
    write_explicit(trace) -> str; write_compact(rows, columns, meta) -> str
    synth_text(network=..., images=..., seed=..., fraction=..., policy=...) -> str
    trace_stats(trace) -> TraceStats                  # .as_dict() for --json
"""

from isaacsim.traces.compact import CROP_PREFIX, parse_bits_spec, parse_crop, write_compact
from isaacsim.traces.explicit import expand, expand_image, write_explicit
from isaacsim.traces.load import detect_form, load_trace, parse_trace, written_by_isaacsim
from isaacsim.traces.model import (
    FORMAT_VERSION,
    MAX_BITS,
    CompactImage,
    ExplicitImage,
    Region,
    Trace,
    TraceImage,
    active_mask,
    image_bits,
)
from isaacsim.traces.stats import HISTOGRAM_KEYS, TraceStats, trace_stats
from isaacsim.traces.synth import (
    Policy,
    croppable_sides,
    draw_boxes,
    oracle_choice,
    parse_policy,
    synth_text,
    synthesize,
)
from isaacsim.traces.validate import check_trace, map_names

__all__ = ["CROP_PREFIX", "FORMAT_VERSION", "HISTOGRAM_KEYS", "MAX_BITS", "CompactImage", "ExplicitImage",
           "Policy", "Region", "Trace", "TraceImage", "TraceStats", "active_mask", "check_trace",
           "croppable_sides", "detect_form", "draw_boxes", "expand", "expand_image", "image_bits",
           "load_trace", "map_names", "oracle_choice", "parse_bits_spec", "parse_crop",
           "parse_policy", "parse_trace", "synth_text", "synthesize", "trace_stats",
           "write_compact", "write_explicit", "written_by_isaacsim"]
