"""FlexPoint's variable shift in the timed datapath: the shift window of a layer (the amounts its
shift-and-add units apply), the operations a shift wider than the unit needs, and the same
numbers in `numerics`, the mapping and `run` (docs/timing-model.md s12, docs/functional-model.md
section 6)."""

from __future__ import annotations

from pathlib import Path

import pytest
from plans import image

from isaacsim.engine.core import simulate
from isaacsim.functional.flexpoint import shift_window
from isaacsim.functional.numerics import Sampling, layer_numerics
from isaacsim.functional.options import options_from_arch
from isaacsim.network import load_network
from isaacsim.precision import Exponents, load_precision
from isaacsim.targets.isaac.arch import load_arch
from isaacsim.targets.isaac.lowering import lower
from isaacsim.targets.isaac.mapping import map_network

ISAAC = dict(weight_bits=16, input_bits=16, cell_bits=2, dac_bits=1)


def test_isaac_shifts_without_flexpoint_fit_one_operation():
    """d = 0 gives g = 0: partials shift by 2k + t, k < 8, t < 16, i.e. 0..29; the offset
    correction by 15."""
    w = shift_window(Exponents(), **ISAAC, row_blocks=9, max_shift=31)
    assert (w.shift, w.guard_bits, w.lo, w.hi, w.passes) == (0, 0, 0, 29, 1)


@pytest.mark.parametrize("exps, row_blocks, want", [
    # d = 10 >= 0: no guard bits; 10..39, 39 > 31: two operations
    (Exponents(weight=10), 9, (10, 0, 10, 39, 2)),
    # d = -16, 9 x 129 = 1,161 partials: g = 11; d + g = -5 .. 24, the final rounding by -11
    (Exponents(output=16), 9, (-16, 11, -11, 24, 1)),
    # d = -50, 1 row block (129 partials): g = 8; -42 .. -13: two operations
    (Exponents(output=50), 1, (-50, 8, -42, -13, 2)),
    # d = 40 with 2 row blocks: 40..69, ceil(69 / 31) = 3 operations
    (Exponents(weight=20, input=20), 2, (40, 0, 40, 69, 3)),
])
def test_shift_window_by_hand(exps, row_blocks, want):
    w = shift_window(exps, **ISAAC, row_blocks=row_blocks, max_shift=31)
    assert (w.shift, w.guard_bits, w.lo, w.hi, w.passes) == want


def test_a_narrower_shifter_needs_more_operations():
    """0..29 on a unit of 15 bits: ceil(29 / 15) = 2; of 29 bits: 1."""
    assert shift_window(Exponents(), **ISAAC, row_blocks=1, max_shift=15).passes == 2
    assert shift_window(Exponents(), **ISAAC, row_blocks=1, max_shift=29).passes == 1


def test_one_bit_activations_still_cover_the_offset_correction():
    """T = 1 bit-cycle: partials shift by 2k <= 14, the offset correction by weight_bits - 1 = 15."""
    w = shift_window(Exponents(), weight_bits=16, input_bits=1, cell_bits=2, dac_bits=1,
                     row_blocks=1, max_shift=31)
    assert (w.lo, w.hi) == (0, 15)


@pytest.mark.parametrize("exps", [{}, {"weight": 10}, {"output": 16}, {"output": 50},
                                  {"weight": 10, "input": 8}])
@pytest.mark.parametrize("sets", [{}, {"ima.shift_add.max_shift": 12}, {"ima.dac.bits": 2}])
def test_numerics_and_the_mapping_agree_on_every_layer(exps, sets):
    """The shifts `numerics` applies (with the workload's exponents) are the ones the mapping,
    hence `run`, charges: same window and operations per partial on every crossbar layer."""
    net = load_network("tiny")
    arch = load_arch("isaac-ce", sets=sets)
    precision = load_precision({"exponents": exps}, net)
    mapping = map_network(net, arch, precision)
    options = options_from_arch(arch)
    for lm in mapping.layers:
        if not lm.uses_crossbars:
            continue
        lp = precision.of(lm.name)
        res = layer_numerics(net, net.layer(lm.name), options, lp, Sampling(images=1, pixels=2),
                             exponents=lp.exponents)
        assert (res.shift_lo, res.shift_hi, res.shift_passes) == \
            (lm.shift_lo, lm.shift_hi, lm.shift_passes), lm.name


def _one_layer(tmp_path: Path) -> Path:
    path = tmp_path / "one.json"
    path.write_text(
        '{"format_version": 1, "name": "one", "input": {"height": 1, "width": 32, "channels": 64},'
        ' "layers": [{"name": "c", "kind": "conv", "kernel": 1, "out_channels": 16,'
        ' "activation": "relu"}]}')
    return path


def test_two_shift_operations_per_conversion_halve_the_readout(tmp_path):
    """A 1 x 1 conv of 64 channels into 16: one array of 128 columns (16 weights x 8 slices), one
    replica, 32 ops of 16 reads, flip encoding off. The IMA's 8 ADCs convert 1,024 samples per
    cycle and its 4 shift-and-adds (2.56 G ops/s) add 1,024: a read of the IMA's 8 arrays (8 x 128
    conversions) takes one cycle, and the 512 reads of the image follow back to back. With
    e_w = 10 every partial is shifted by 10..39, two operations for a 31-bit shifter: the adders
    take 2 cycles per read, the reads still follow back to back, and the image completes
    512 x (2 - 1) = 512 cycles later. The IMA shift-and-add operations double; the conversions
    do not."""
    net = load_network(_one_layer(tmp_path))
    arch = load_arch("isaac-ce", sets={"ima.xbar.flip_encoding": False})
    results, lowered = [], []
    for exps in ({}, {"weight": 10}):
        mapping = map_network(net, arch, load_precision({"exponents": exps}, net),
                              replication="none")
        low = lower(net, mapping, arch)
        results.append(simulate(low.plan, [image(low.plan)]))
        lowered.append(low)
    one, two = results
    assert [lo.mapping.layers[0].shift_passes for lo in lowered] == [1, 2]
    assert lowered[0].plan.nodes[1].replicas == 1
    assert int(two.completion_cycle[0]) - int(one.completion_cycle[0]) == 32 * 16
    assert int(two.node_wait[0, 1, 1]) > 0 == int(one.node_wait[0, 1, 1])

    def per(low, counter):
        return sum(t.per for t in low.events.nodes[1] if t.counter == counter)
    assert per(lowered[1], "ima_sa_ops") == 2 * per(lowered[0], "ima_sa_ops")
    assert per(lowered[1], "adc_conversions") == per(lowered[0], "adc_conversions")
