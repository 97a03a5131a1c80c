"""Scaling rules: ADC cost versus resolution, crossbar cost versus size, and the ADC resolution a
crossbar column needs (ISAAC section 2b, with or without the weight-flipping encoding).

Sources are in docs/architecture.md ("Scaling rules"); tags: [P] published, [D] derived, [U] modelling
choice.
"""

from __future__ import annotations

# One published ADC scaling, the ISAAC paper [P]: bits -> (pJ per conversion, area in um^2).
# Only ratios are used: the architecture's own ADC cost at `reference_bits` is scaled by them, so the
# table's 8-bit point reproduces ISAAC's 16 mW / 0.0096 mm^2 per IMA exactly.
ADC_TABLE: dict[int, tuple[float, float]] = {
    4: (0.79, 361.0),
    5: (0.99, 477.0),
    6: (1.20, 627.0),
    7: (1.42, 845.0),
    8: (1.67, 1200.0),
    9: (1.97, 1828.0),
    10: (2.38, 3002.0),
}
ADC_MIN_BITS = min(ADC_TABLE)
ADC_MAX_BITS = max(ADC_TABLE)


def adc_cost(power_mw: float, area_mm2: float, bits: int, reference_bits: int,
             gsamples_per_s: float = 1.0, reference_gsamples_per_s: float = 1.0) -> tuple[float, float]:
    """Power (mW) and area (mm^2) of one ADC of `bits` bits converting `gsamples_per_s`, given its
    cost at `reference_bits` and `reference_gsamples_per_s`.

    Power scales with the table's energy per conversion and with the sample rate (a converter's
    energy per conversion is fixed by its resolution: power = energy x rate), area with the table's
    area only. Both resolutions must be in the table (4..10 bits); `KeyError` otherwise (the loader
    checks).
    """
    energy_pj, area_um2 = ADC_TABLE[bits]
    ref_energy_pj, ref_area_um2 = ADC_TABLE[reference_bits]
    rate = gsamples_per_s / reference_gsamples_per_s
    return power_mw * energy_pj / ref_energy_pj * rate, area_mm2 * area_um2 / ref_area_um2


def xbar_cost(power_mw: float, area_mm2: float, rows: int, cols: int,
              reference_cells: int) -> tuple[float, float]:
    """Power and area of one crossbar array of rows x cols cells, given its cost at `reference_cells`.

    Linear in the number of cells [U]: read current and cell area both grow with the cell count;
    drivers and sense circuits are separate components (DAC, S+H, ADC) with their own counts.
    """
    ratio = rows * cols / reference_cells
    return power_mw * ratio, area_mm2 * ratio


def column_max_sum(rows: int, dac_bits: int, cell_bits: int, flip: bool) -> int:
    """Largest value one crossbar column can produce in one read.

    Without the encoding: every row at its largest input (2^v - 1) times its largest cell (2^w - 1).
    With the weight-flipping encoding a column never stores slices summing to more than half the
    largest possible sum, so the bound halves (the ISAAC paper); but the encoding's unit column (all
    cells 1) then sums the inputs, up to rows x (2^v - 1), which dominates only for 1-bit cells.
    """
    inputs = rows * (2 ** dac_bits - 1)
    full = inputs * (2 ** cell_bits - 1)
    return max(full // 2, inputs) if flip else full


def required_adc_bits(rows: int, dac_bits: int, cell_bits: int, flip: bool) -> int:
    """ADC bits needed to convert any column sum exactly (ISAAC section 2b).

    Computed as the bit length of `column_max_sum`. For a power-of-two number of rows R this equals
    the paper's rule log2(R) + v + w, minus 1 when v = 1 or w = 1, and minus 1 more with the
    encoding when cells hold 2 bits or more: 128 rows, 1-bit DACs, 2-bit cells give 9 bits, 8 with
    the encoding. With 1-bit cells the encoding saves nothing (its unit column needs the full range).
    """
    for name, value in (("rows", rows), ("dac_bits", dac_bits), ("cell_bits", cell_bits)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return max(1, column_max_sum(rows, dac_bits, cell_bits, flip).bit_length())
