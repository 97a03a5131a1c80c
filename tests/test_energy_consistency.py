"""A fully busy IMA, run through the engine and the accounting, draws the table's IMA power."""

from __future__ import annotations

import pytest
from plans import image

from isaacsim import accounting
from isaacsim.engine import simulate
from isaacsim.network import network_from_dict
from isaacsim.targets.isaac.arch import load_arch
from isaacsim.targets.isaac.lowering import lower
from isaacsim.targets.isaac.mapping import map_network
from isaacsim.works import work_facts

IMA_COMPONENTS = ("xbar", "dac", "adc", "sample_hold", "ima_shift_add", "ir", "ima_or")


@pytest.mark.parametrize("sets", [{}, {"ima.adc.bits": 9}, {"ima.arrays": 4, "ima.adc.units": 4}])
def test_busy_ima_draws_the_ima_power(sets):
    """(An IMA of 4 arrays keeps 4 ADCs busy, not 8: ADCs and shift-and-adds draw power only while
    they convert and add, docs/energy-model.md.)"""
    arch = load_arch("isaac-ce", sets)
    # a 1x1 conv whose one replica fills exactly one IMA: 128 input rows, and as many 16-bit
    # outputs as the IMA's arrays hold (arrays x 128 columns / 8 slices)
    outputs = arch.arrays_per_ima * arch.xbar_cols // arch.slices_per_weight
    net = network_from_dict({
        "format_version": 1, "name": "busy", "source": "test",
        "input": {"height": 1, "width": 400, "channels": arch.xbar_rows},
        "layers": [{"name": "c", "kind": "conv", "kernel": 1, "stride": 1, "padding": 0,
                    "out_channels": outputs, "activation": "relu"}]})
    mapping = map_network(net, arch, replication="none")
    assert mapping.layers[0].arrays == arch.arrays_per_ima
    lowered = lower(net, mapping, arch)
    plan = lowered.plan
    work = image(plan)
    result = simulate(plan, [work])
    counts = accounting.count_events(lowered, work_facts(lowered, [work]), result)
    energy = accounting.energy(lowered, counts, result.latency_cycles)
    node = 1
    ops = int(result.node_ops[0, node])
    busy_ns = ops * 16 * arch.cycle_ns  # the arrays read back to back, 16 bit-cycles per op
    pj = sum(float(energy.energy_pj[k][0, node]) for k in IMA_COMPONENTS)
    ima_mw = sum(r.power_mw for r in arch.components if r.key.startswith("ima."))
    assert pj / busy_ns == pytest.approx(ima_mw, rel=0.01)
    # and the arrays really were busy every cycle: ops issue 16 cycles apart, but for the flip
    # encoding's unit column, which makes the ADCs lose a read cycle in 128 (timing-model s13)
    span = result.node_end[0, node] - result.node_start[0, node]
    assert span < busy_ns / arch.cycle_ns * 129 / 128 + 40
