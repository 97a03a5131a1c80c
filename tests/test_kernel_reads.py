"""The readout server's run of reads in O(1) (`kernels.timing._reads`) against the read-by-read
rule of docs/timing-model.md s12, stepped with the kernel twin's server."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from isaacsim.kernels.timing import _reads, _split
from tests.kernel_twin import serve


def _stepped(r: int, b: int, end: int, x: int, rate: int) -> tuple[int, int, int]:
    """Read j asks for x slots in cycle r_j + 1; r_(j+1) = max(r_j + 1, c_j - 1). Returns the last
    read's sample cycle, the last conversion's cycle and the server's slot count."""
    unit = {"ro": end}
    node = {"ro_rate": rate}
    c = 0
    for j in range(b):
        if j > 0:
            r = max(r + 1, c - 1)
        c = serve(unit, "ro", node, r + 1, x)
    return r, c, unit["ro"]


@settings(max_examples=3000, deadline=None)
@given(r=st.integers(0, 60), b=st.integers(1, 24), end=st.integers(0, 600),
       x=st.integers(1, 300), rate=st.integers(1, 140))
def test_a_run_of_reads_equals_the_reads_one_by_one(r, b, end, x, rate):
    c, m = divmod(end - 1, rate)  # the kernel's cursor of slot count `end`
    got_r, got_c, got_m = _reads(r, b, c, m, _split(x, rate), rate)
    want_r, want_c, want_end = _stepped(r, b, end, x, rate)
    assert (got_r, got_c, got_c * rate + got_m + 1) == (want_r, want_c, want_end)


def test_isaac_ce_reads_are_one_per_cycle_until_the_unit_column_costs_a_cycle():
    """129 conversions per read on 128 per cycle. From an idle readout, read 0 (sampled in cycle
    r0) fills slots up to E_0 = (r0 + 1) * 128 + 128, its cycle r0 + 2; read j's last slot is
    E_0 + 129 j, in cycle r0 + 2 + j + floor(j / 128). Reads are sampled one per cycle
    (r_j = r0 + j) until c_(j-1) - 1 passes r0 + j: at j = 129, one cycle late."""
    got_r, got_c, got_m = _reads(9, 16, -1, 0, _split(129, 128), 128)
    assert (got_r, got_c, got_m) == (24, 26, 15)  # E_15 = 1408 + 15 * 129 = 26 * 128 + 15
    assert _stepped(9, 16, 0, 129, 128) == (24, 26, 26 * 128 + 16)
    assert _reads(0, 129, -1, 0, _split(129, 128), 128)[:2] == (128, 131)
    assert _reads(0, 130, -1, 0, _split(129, 128), 128)[:2] == (130, 132)
    assert _stepped(0, 130, 0, 129, 128)[:2] == (130, 132)
