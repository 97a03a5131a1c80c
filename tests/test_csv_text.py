"""`csv_text` writes the bytes pandas' `to_csv` writes with isaacsim's options, on any table."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from isaacsim.csv_text import FLOAT_FORMAT, csv_text

TEXT = st.text(alphabet=st.sampled_from(list('ab ,"\n\r;x\'\t0é')), max_size=6)
COLUMN_KINDS = ("int", "uint", "float", "bool", "text", "text_or_none", "int_object")


def _pandas(df: pd.DataFrame, header: bool = True) -> str:
    return df.to_csv(index=False, header=header, float_format=FLOAT_FORMAT, lineterminator="\n")


@st.composite
def frames(draw) -> pd.DataFrame:
    rows = draw(st.integers(0, 6))
    cols = draw(st.integers(1, 5))
    data = {}
    for c in range(cols):
        kind = draw(st.sampled_from(COLUMN_KINDS))
        name = draw(TEXT) + f"_{c}"  # unique names, some needing quotes
        if kind == "int":
            v = draw(st.lists(st.integers(-2 ** 63, 2 ** 63 - 1), min_size=rows, max_size=rows))
            data[name] = np.array(v, np.int64)
        elif kind == "uint":
            v = draw(st.lists(st.integers(0, 255), min_size=rows, max_size=rows))
            data[name] = np.array(v, np.uint8)
        elif kind == "float":
            v = draw(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64)
                              | st.sampled_from([0.0, -0.0, 1e-300, 123456789012.5, 0.1]),
                              min_size=rows, max_size=rows))
            data[name] = np.array(v, np.float64)
        elif kind == "bool":
            data[name] = np.array(draw(st.lists(st.booleans(), min_size=rows, max_size=rows)),
                                  bool)
        elif kind == "text":
            data[name] = pd.Series(draw(st.lists(TEXT, min_size=rows, max_size=rows)),
                                   dtype=object)
        elif kind == "text_or_none":
            data[name] = pd.Series(draw(st.lists(st.none() | TEXT, min_size=rows, max_size=rows)),
                                   dtype=object)
        else:
            data[name] = pd.Series(draw(st.lists(st.integers(-5, 5), min_size=rows,
                                                 max_size=rows)), dtype=object)
    return pd.DataFrame(data)


@settings(max_examples=400, deadline=None)
@given(frames(), st.booleans())
def test_csv_text_equals_pandas(df: pd.DataFrame, header: bool) -> None:
    assert csv_text(df, header) == _pandas(df, header)


def test_one_column_of_empty_text_is_quoted_as_pandas_does() -> None:
    df = pd.DataFrame({"a": pd.Series(["", "x", None], dtype=object)})
    assert csv_text(df) == _pandas(df) == 'a\n""\nx\n""\n'


def test_floats_have_ten_significant_digits_and_missing_is_empty() -> None:
    df = pd.DataFrame({"x": [1 / 3, float("nan"), 2.5e20, -0.0], "n": [1, 2, 3, 4]})
    assert csv_text(df) == "x,n\n0.3333333333,1\n,2\n2.5e+20,3\n-0,4\n"


def test_other_column_kinds_fall_back_to_pandas() -> None:
    df = pd.DataFrame({"c": pd.Categorical(["a", "b"]), "t": pd.to_datetime(["2020-01-01", None])})
    assert csv_text(df) == _pandas(df)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2 ** 32 - 1), st.booleans())
def test_long_columns_with_repeated_values_equal_pandas(seed: int, negative_zero: bool) -> None:
    """Columns long enough to be formatted once per distinct value (`_by_value`)."""
    rng = np.random.default_rng(seed)
    n = 300
    floats = rng.choice([0.1, 1 / 3, 2.5e20, np.nan, np.inf, 7.0, 1e-7], n)
    if negative_zero:
        floats[rng.integers(0, n)] = -0.0
    df = pd.DataFrame({
        "i": rng.integers(-3, 4, n), "big": rng.integers(-2 ** 62, 2 ** 62, n),
        "f": floats, "g": rng.standard_normal(n) * 10.0 ** rng.integers(-30, 30, n),
        "s": pd.Series(rng.choice(["a", "b,c", 'q"', "x\ny", ""], n), dtype=object),
        "b": rng.integers(0, 2, n).astype(bool)})
    assert csv_text(df) == _pandas(df)
