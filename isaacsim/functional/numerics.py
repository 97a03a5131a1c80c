"""Numerics of network layers on the functional datapath: FlexPoint calibration, the bit-exact run
and its errors against the exact integer product and a float64 reference.

For each chosen conv or fc layer: seeded float inputs (sampled output pixels as im2col rows) and
weights (seeded, or the user's), exponents calibrated on separate calibration images (or taken
from the workload), operands quantized to the layer's widths, then two datapath runs:

* integer check: shift 0 and a 64-bit output, compared with the exact integer product of the same
  mantissas (zero at ISAAC's settings: the datapath is exact there);
* FlexPoint run: shift d = e_w + e_x - e_y, `guard_bits` fractional accumulator bits and outputs
  saturating to the layer's activation width, scaled by 2^e_y and compared with x @ w in float64.

docs/functional-model.md sections 10 and 11.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from isaacsim.functional.datapath import exact_matvec, matvec
from isaacsim.functional.flexpoint import AbsMax, Headroom, calibrate, dequantize, quantize, shift_window
from isaacsim.functional.layers import WEIGHT_CHUNK, samples, weight_columns
from isaacsim.functional.options import DatapathOptions
from isaacsim.network import Layer, Network
from isaacsim.precision import Exponents, LayerPrecision


@dataclass(frozen=True)
class Sampling:
    """How much data one layer sees (docs/functional-model.md section 11)."""

    images: int = 2
    pixels: int = 16
    """Output pixels sampled per conv image (fc layers use the whole input vector)."""
    calibration_images: int = 2
    seed: int = 0
    guard_bits: int | None = None
    """Accumulator guard bits of the FlexPoint run; None: `flexpoint.auto_guard_bits`."""


@dataclass(frozen=True)
class LayerNumerics:
    """Errors, counts and exponents of one layer (JSON keys of `python -m isaacsim numerics`)."""

    name: str
    kind: str
    fan_in: int
    outputs: int
    samples: int
    """Input vectors run: images x sampled pixels (conv) or images (fc)."""
    weights: str
    """"random" (seeded He-normal) or "file"."""
    weight_bits: int
    input_bits: int
    output_bits: int
    exponents: dict[str, int]
    shift: int
    guard_bits: int
    shift_lo: int
    shift_hi: int
    """The smallest and largest shift the shift-and-add units apply (`flexpoint.ShiftWindow`)."""
    shift_passes: int
    """Operations per partial for a unit of `max_shift` bits (the same number `run` charges)."""
    output_lsb: float
    """2^e_y: the float value of one output mantissa step."""
    integer_max_abs_error: int
    float_max_abs_error: float
    float_rms_error: float
    float_relative_error: float
    """RMS error over RMS of the float64 reference outputs."""
    quantization_rms_error: float
    """RMS error of the exact product of the quantized operands: operand quantization alone."""
    expected_rms_error: float
    """sqrt(quantization_rms_error^2 + output_lsb^2 / 12): operand quantization plus one rounding
    of the output, what float_rms_error should be when the guard bits make the rounding of the
    partials negligible and nothing saturates."""
    rounding_bound: float
    """Largest error the datapath's rounding can add to one output (float units), `rounding_bound`
    output steps."""
    adc_saturations: int
    output_saturations: int
    input_clips: int
    weight_clips: int
    array_reads: int
    adc_conversions: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def layer_numerics(network: Network, layer: Layer, options: dict[str, Any], lp: LayerPrecision,
                   sampling: Sampling, weights: np.ndarray | None = None,
                   exponents: Exponents | None = None,
                   headroom: Headroom = Headroom()) -> LayerNumerics:
    """Run one conv or fc layer; `options` are the datapath's architecture options
    (`options_from_arch`), `exponents` None to calibrate."""
    wb, xb = lp.weight_bits, lp.activation_bits
    ob = xb  # outputs are the next layer's activations: same mantissa width
    s = sampling
    test_x, _ = samples(network, layer, s.seed, s.images, s.pixels, calibration=False)
    spans = list(_column_spans(layer))
    if exponents is None:
        cal_x, cal_in_max = samples(network, layer, s.seed, s.calibration_images, s.pixels,
                                    calibration=True)
        w_max, y_max = AbsMax(), AbsMax()
        for g, j0, j1 in spans:
            w = weight_columns(layer, s.seed, weights, j0, j1)
            w_max.update(w)
            y_max.update(cal_x[:, g, :] @ w)
        exponents = calibrate(w_max.value, cal_in_max, y_max.value, weight_bits=wb,
                              input_bits=xb, output_bits=ob, headroom=headroom)
    opts = dict(options, weight_bits=wb, input_bits=xb)
    probe = DatapathOptions.from_kwargs(**opts)
    row_blocks = -(-layer.fan_in // probe.rows)
    terms = row_blocks * (probe.slices * probe.bit_cycles + 1)
    window = shift_window(exponents, weight_bits=wb, input_bits=xb, cell_bits=probe.cell_bits,
                          dac_bits=probe.dac_bits, row_blocks=row_blocks,
                          max_shift=probe.max_shift, guard_bits=s.guard_bits)
    d, guard = window.shift, window.guard_bits
    x_int, input_clips = quantize(test_x, exponents.input, xb)
    acc = _Errors()
    totals = dict(adc_saturations=0, output_saturations=0, array_reads=0, adc_conversions=0,
                  weight_clips=0)
    for g, j0, j1 in spans:
        w = weight_columns(layer, s.seed, weights, j0, j1)
        w_int, clips = quantize(w, exponents.weight, wb)
        totals["weight_clips"] += clips
        xg = np.ascontiguousarray(x_int[:, g, :])
        exact = exact_matvec(w_int, xg)
        check = matvec(w_int, xg, **opts)
        acc.integer = max(acc.integer, int(np.max(np.abs(check.outputs - exact))))
        run = matvec(w_int, xg, **opts, shift=d, guard_bits=guard, output_bits=ob)
        for key in ("adc_saturations", "output_saturations", "array_reads", "adc_conversions"):
            totals[key] += getattr(run, key)
        reference = test_x[:, g, :] @ w
        acc.add(dequantize(run.outputs, exponents.output) - reference,
                dequantize(exact, exponents.weight + exponents.input) - reference, reference)
    lsb = float(np.ldexp(1.0, exponents.output))
    return LayerNumerics(
        name=layer.name, kind=layer.kind, fan_in=layer.fan_in, outputs=layer.out_channels,
        samples=int(test_x.shape[0]), weights="file" if weights is not None else "random",
        weight_bits=wb, input_bits=xb, output_bits=ob, exponents=exponents.to_dict(), shift=d,
        guard_bits=guard, shift_lo=window.lo, shift_hi=window.hi, shift_passes=window.passes,
        output_lsb=lsb, integer_max_abs_error=acc.integer,
        float_max_abs_error=acc.max_abs,
        float_rms_error=acc.rms, float_relative_error=acc.relative,
        quantization_rms_error=acc.quantization_rms,
        expected_rms_error=float(np.hypot(acc.quantization_rms, lsb / np.sqrt(12.0))),
        rounding_bound=float(rounding_steps(terms, d, guard)) * lsb,
        input_clips=input_clips, **totals)


def network_numerics(network: Network, layers: list[Layer], options: dict[str, Any],
                     precision_of, sampling: Sampling, weights: dict[str, np.ndarray],
                     exponents_of=None, headroom: Headroom = Headroom(),
                     progress=None) -> list[LayerNumerics]:
    """`layer_numerics` for each layer. `precision_of(name)` gives a `LayerPrecision`;
    `exponents_of(name)` fixed exponents (None: calibrate); `progress(i, n, name)` is told of
    each layer before it runs."""
    results = []
    for i, layer in enumerate(layers):
        if progress is not None:
            progress(i, len(layers), layer.name)
        fixed = exponents_of(layer.name) if exponents_of is not None else None
        results.append(layer_numerics(network, layer, options, precision_of(layer.name), sampling,
                                      weights.get(layer.name), fixed, headroom))
    return results


def rounding_steps(terms: int, shift: int, guard: int) -> Fraction:
    """Largest rounding error of one output in output steps: each of `terms` partials shifted right
    errs by at most 2^-g / 2 (half rules), plus 1/2 for the final rounding when g > 0."""
    if shift >= 0:
        return Fraction(0)
    partials = Fraction(terms, 2 ** (guard + 1)) if shift + guard < 0 else Fraction(0)
    return partials + (Fraction(1, 2) if guard > 0 else 0)


def _column_spans(layer: Layer):
    """(group, j0, j1) column ranges: within one group and one weight chunk each."""
    per_group = layer.out_channels // layer.groups
    for g in range(layer.groups):
        j = g * per_group
        end = (g + 1) * per_group
        while j < end:
            j1 = min(end, (j // WEIGHT_CHUNK + 1) * WEIGHT_CHUNK)
            yield g, j, j1
            j = j1


class _Errors:
    """Accumulates error statistics over column spans."""

    def __init__(self) -> None:
        self.integer = 0
        self.max_abs = 0.0
        self._sq = self._ref_sq = self._q_sq = 0.0
        self._n = 0

    def add(self, err: np.ndarray, q_err: np.ndarray, reference: np.ndarray) -> None:
        self.max_abs = max(self.max_abs, float(np.max(np.abs(err), initial=0.0)))
        self._sq += float(np.sum(err * err))
        self._q_sq += float(np.sum(q_err * q_err))
        self._ref_sq += float(np.sum(reference * reference))
        self._n += err.size

    @property
    def rms(self) -> float:
        return float(np.sqrt(self._sq / self._n)) if self._n else 0.0

    @property
    def quantization_rms(self) -> float:
        return float(np.sqrt(self._q_sq / self._n)) if self._n else 0.0

    @property
    def relative(self) -> float:
        return float(np.sqrt(self._sq / self._ref_sq)) if self._ref_sq else 0.0
