"""Bit-exact functional model of the ISAAC datapath, with FlexPoint shifts.

Public API::

    from isaacsim.functional import matvec, options_from_arch
    res = matvec(weights, inputs)                   # ISAAC's settings: exact integer product
    res = matvec(weights, inputs, flip_encoding=False)   # 8-bit ADC saturates: res.adc_saturations
    res = matvec(weights, inputs, **options_from_arch(load_arch("isaac-ce")), shift=-12,
                 output_bits=16)
    res.outputs, res.adc_saturations, res.output_saturations, res.array_reads, res.adc_conversions

docs/functional-model.md describes the encodings, the shift-and-add and every counter.
"""

from isaacsim.functional.datapath import MatvecResult, exact_matvec, matvec
from isaacsim.functional.encoding import encode_weights
from isaacsim.functional.options import DEFAULTS, ROUNDINGS, DatapathOptions, options_from_arch

__all__ = ["DEFAULTS", "ROUNDINGS", "DatapathOptions", "MatvecResult", "encode_weights",
           "exact_matvec", "matvec", "options_from_arch"]
