"""Accuracy of predicted crops against an oracle trace, and the threshold sweep.

Per image common to both traces (matched by ``image_id``):

* ``agree``: the predicted vector equals the oracle's chosen vector;
* ``keeps``: the predicted vector keeps the network's answer. With the oracle trace's
  ``x_passing`` column (the vectors that meet the oracle's criterion for the image) it is exact:
  the predicted vector is one of them. Without it, the conservative test: the predicted vector
  crops no side that the oracle's chosen vector does not crop (``oracle.covers(predicted)``). That
  test assumes the chosen vector keeps the answer and that cropping fewer sides than a vector
  that keeps it keeps it too (the set of passing vectors is closed under un-cropping a side); it
  counts as failures predictions that crop another side the oracle did not choose, even if they
  would pass, so it is a lower bound on the share kept when the assumption holds;
* ``skipped_macs``: crossbar multiply-accumulates the predicted vector skips (`skipped_macs`).

docs/predictor.md, "Accuracy", defines every column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from isaacsim.crop import ALL_VECTORS, DEFAULT_FRACTION, CropVector, parse_fraction, windows
from isaacsim.errors import InputError, Problem
from isaacsim.network import Network
from isaacsim.predictor.rule import vector_at
from isaacsim.predictor.trace import parse_ratios
from isaacsim.traces import CompactImage, Trace

PASSING = "x_passing"
RATIOS = "x_ratios"
TABLE_COLUMNS = ("image_id", "predicted", "oracle", "agree", "keeps", "keeps_test", "skipped_macs",
                 "skipped_mac_share", "oracle_skipped_macs", "oracle_skipped_mac_share")
"""Columns of `image_table`."""
SWEEP_COLUMNS = ("threshold", "mean_skipped_mac_share", "keeps_answer", "agreement",
                 "cropped_share")
"""Columns of `sweep`."""


def written_table(columns: Sequence[str]):
    """A test that a file is a table of `columns` (its first line their header): what `traces
    compare` wrote, so that it may replace it (`isaacsim.outputs.write_file`)."""
    header = ",".join(columns)

    def owned(path) -> bool:
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                return fh.readline(4096).rstrip("\r\n") == header
        except OSError:
            return False
    return owned


def skipped_macs(network: Network, vector: CropVector, fraction: Any = DEFAULT_FRACTION,
                 rounding: str = "floor") -> int:
    """Crossbar MACs per image that `vector` skips: a conv-like layer skips the MACs of its output
    pixels outside its window (``macs x inactive / total`` output pixels); an fc layer (a kind
    that skips row blocks) the products with its inputs at cropped positions of the map it reads
    (``macs x inactive / total`` input pixels)."""
    return _skipped(network, vector, parse_fraction(fraction), rounding)


@lru_cache(maxsize=4096)
def _skipped(network: Network, vector: CropVector, fraction: Fraction, rounding: str) -> int:
    wins = windows(network, vector, fraction, rounding)
    total = Fraction(0)
    for layer in network.layers:
        if not layer.uses_crossbars:
            continue
        name = layer.inputs[0] if layer.handler.skips_row_blocks else layer.name
        shape = network.shape_of(name)
        total += Fraction(layer.macs * (shape.pixels - wins[name].pixels), shape.pixels)
    return int(total)


def parse_passing(text: str, *, source: str, place: str) -> frozenset[CropVector]:
    """The vectors of an ``x_passing`` cell: vectors (``c1011`` or ``1011``) separated by ``;``,
    ``|`` or spaces; empty: none passes."""
    out = set()
    for item in text.replace("|", ";").replace(" ", ";").split(";"):
        item = item.strip()
        if not item:
            continue
        bare = item[1:] if item[:1] in "cC" else item
        if len(bare) != 4 or set(bare) - {"0", "1"}:
            raise InputError(Problem(source, place, f"column {PASSING}: expected crop vectors such "
                                                    f"as c1011 separated by ';', got {item!r}"))
        out.add(ALL_VECTORS[int(bare, 2)])
    return frozenset(out)


@dataclass(frozen=True)
class Matched:
    """The images both traces hold, in the predicted trace's order."""

    ids: tuple[str, ...]
    predicted: tuple[CropVector, ...]
    oracle: tuple[CropVector, ...]
    passing: tuple[frozenset[CropVector], ...] | None
    """Per image, the oracle's passing vectors; None without an ``x_passing`` column."""
    ratios: tuple[tuple[float, ...], ...] | None
    """Per image, the predictor's side ratios; None without an ``x_ratios`` column."""
    fraction: Fraction
    only_predicted: int
    only_oracle: int


def _compact(trace: Trace, role: str) -> tuple[CompactImage, ...]:
    if trace.form != "compact":
        raise InputError(Problem(trace.source, "", f"the {role} trace must be a compact (.csv) "
                                                   f"trace with a crop column"))
    return tuple(i for i in trace.images if isinstance(i, CompactImage))


def match(predicted: Trace, oracle: Trace) -> Matched:
    """Pair the records of the two traces by image id; `InputError` when none is common, when
    their fractions differ, or on a bad ``x_passing`` or ``x_ratios`` cell."""
    pred, orc = _compact(predicted, "predicted"), _compact(oracle, "oracle")
    by_id = {i.image_id: i for i in orc}
    common = [p for p in pred if p.image_id in by_id]
    if not common:
        raise InputError(Problem(predicted.source, "", f"no image id in common with the oracle "
                                                       f"trace {oracle.source}; both must be made "
                                                       f"from the same image files"))
    fractions = {img.fraction or DEFAULT_FRACTION for p in common for img in (p, by_id[p.image_id])}
    if len(fractions) != 1:
        raise InputError(Problem(predicted.source, "", f"crop fractions differ between the traces "
                                                       f"({', '.join(sorted(map(str, fractions)))}); "
                                                       f"predict with the oracle's --fraction"))
    passing = None
    if PASSING in oracle.columns:
        passing = tuple(parse_passing(by_id[p.image_id].fields.get(PASSING, ""),
                                      source=oracle.source,
                                      place=f"line {by_id[p.image_id].line}") for p in common)
    ratios = None
    if RATIOS in predicted.columns:
        parsed = []
        for p in common:
            r = parse_ratios(p.fields.get(RATIOS, ""))
            if r is None:
                raise InputError(Problem(predicted.source, f"line {p.line}",
                                         f"column {RATIOS}: expected four non-negative numbers "
                                         f"separated by ';', got {p.fields.get(RATIOS)!r}"))
            parsed.append(r)
        ratios = tuple(parsed)
    ids = {p.image_id for p in common}
    return Matched(tuple(p.image_id for p in common), tuple(p.crop for p in common),
                   tuple(by_id[p.image_id].crop for p in common), passing, ratios,
                   fractions.pop(), len(pred) - len(common), sum(o.image_id not in ids for o in orc))


def _keeps(predicted: Sequence[CropVector], m: Matched) -> np.ndarray:
    if m.passing is not None:
        return np.array([p in ok for p, ok in zip(predicted, m.passing)])
    return np.array([o.covers(p) for p, o in zip(predicted, m.oracle)])


def image_table(m: Matched, network: Network, rounding: str = "floor") -> pd.DataFrame:
    """One row per matched image (docs/predictor.md, "Accuracy")."""
    total = network.macs
    skipped = np.array([skipped_macs(network, v, m.fraction, rounding) for v in m.predicted])
    oracle = np.array([skipped_macs(network, v, m.fraction, rounding) for v in m.oracle])
    return pd.DataFrame({
        "image_id": list(m.ids),
        "predicted": [f"c{v}" for v in m.predicted],
        "oracle": [f"c{v}" for v in m.oracle],
        "agree": [int(p == o) for p, o in zip(m.predicted, m.oracle)],
        "keeps": _keeps(m.predicted, m).astype(int),
        "keeps_test": "x_passing" if m.passing is not None else "subset",
        "skipped_macs": skipped,
        "skipped_mac_share": skipped / total if total else 0.0,
        "oracle_skipped_macs": oracle,
        "oracle_skipped_mac_share": oracle / total if total else 0.0,
    }, columns=list(TABLE_COLUMNS))


def summary(table: pd.DataFrame) -> dict[str, Any]:
    """Headline figures of an `image_table`."""
    cropped = table.predicted != "c0000"
    return {"images": len(table), "agreement": float(table.agree.mean()),
            "keeps_answer": float(table.keeps.mean()),
            "predicted_cropped": int(cropped.sum()),
            "keeps_answer_cropped": float(table.keeps[cropped].mean()) if cropped.any() else None,
            "keeps_test": str(table.keeps_test.iloc[0]),
            "mean_skipped_mac_share": float(table.skipped_mac_share.mean()),
            "mean_oracle_skipped_mac_share": float(table.oracle_skipped_mac_share.mean())}


def sweep(m: Matched, network: Network, thresholds: Sequence[float],
          rounding: str = "floor") -> pd.DataFrame:
    """Per threshold: the vectors the predictor would give (from the ratios), the mean share of
    MACs skipped and the share of images whose answer is kept (`_keeps`), the agreement with the
    oracle and the share of images cropped. Needs the predicted trace's ``x_ratios``."""
    if m.ratios is None:
        raise InputError(Problem("--predicted", "", f"the predicted trace has no {RATIOS} column; "
                                                    f"write it with 'traces predict'"))
    total = network.macs or 1
    rows = []
    for t in thresholds:
        vectors = [vector_at(r, t) for r in m.ratios]
        skipped = np.array([skipped_macs(network, v, m.fraction, rounding) for v in vectors])
        rows.append({"threshold": float(t),
                     "mean_skipped_mac_share": float(skipped.mean() / total),
                     "keeps_answer": float(_keeps(vectors, m).mean()),
                     "agreement": float(np.mean([v == o for v, o in zip(vectors, m.oracle)])),
                     "cropped_share": float(np.mean([v.cropped_sides > 0 for v in vectors]))})
    return pd.DataFrame(rows, columns=list(SWEEP_COLUMNS))
