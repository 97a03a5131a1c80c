"""The ISAAC hardware model: architecture files, component table, scaling rules, per-event energies
and peak metrics.

Public API::

    arch = load_arch("isaac-ce", {"ima.adc.bits": 9})
    arch.totals.chip_power_w, arch.peak.pe_gops_w, arch.energy.adc_conversion_pj
    required_adc_bits(rows=128, dac_bits=1, cell_bits=2, flip=True)  # 8

docs/architecture.md describes the model, docs/energy-model.md the energies.
"""

from isaacsim.targets.isaac.arch.energy import full_activity
from isaacsim.targets.isaac.arch.load import builtin_names, load_arch
from isaacsim.targets.isaac.arch.model import Architecture, Component, Energy, Params, Peak, Totals
from isaacsim.targets.isaac.arch.scaling import ADC_MAX_BITS, ADC_MIN_BITS, adc_cost, required_adc_bits

__all__ = [
    "ADC_MAX_BITS", "ADC_MIN_BITS", "Architecture", "Component", "Energy", "Params", "Peak", "Totals",
    "adc_cost", "builtin_names", "full_activity", "load_arch", "required_adc_bits",
]
