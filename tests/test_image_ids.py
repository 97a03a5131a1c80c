"""Trace image ids that isaacsim accepts come back unchanged from `pandas.read_csv` with default
arguments, whatever mix of ids a column holds (pandas infers one type per column)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from isaacsim.traces.model import image_id_problem

ODD = ["007", "+1", "-0", "1.5", "1.0", "1e3", ".5", " 7", "7 ", "NA", "#N/A", "null", "nan",
       "True", "false", "inf", "-Infinity", "", "a\tb", "a\x01b", "1" * 19]
FINE = ["img0", "7", "-3", "0", "123456789012345678", "n01440764_10026", "1_000", "a b"]


@pytest.mark.parametrize("image_id", ODD)
def test_ids_pandas_would_change_are_refused(image_id):
    assert image_id_problem(image_id) is not None


@pytest.mark.parametrize("image_id", FINE)
def test_plain_ids_are_accepted(image_id):
    assert image_id_problem(image_id) is None


def _read_back(ids: list[str]) -> list[str]:
    frame = pd.DataFrame({"image_id": ids, "latency_cycles": range(len(ids))})
    text = frame.to_csv(index=False, lineterminator="\n")
    column = pd.read_csv(io.StringIO(text))["image_id"]
    return [str(v) for v in column]


candidates = st.one_of(st.sampled_from(ODD + FINE), st.integers(-10**18, 10**18).map(str),
                       st.from_regex(r"[0-9.eE+-]{1,6}", fullmatch=True),
                       st.text(alphabet="0123456789abcNAn._ -", min_size=1, max_size=6))


@given(st.lists(candidates, min_size=1, max_size=6, unique=True))
def test_accepted_ids_read_back_as_written(ids):
    accepted = [i for i in ids if image_id_problem(i) is None]
    if accepted:
        assert _read_back(accepted) == accepted
