"""CSV text of a result table, column by column: the bytes `pandas.DataFrame.to_csv` writes with
isaacsim's options (no index, `FLOAT_FORMAT`, ``\\n`` line ends), at a fraction of its cost.

pandas formats every float of a table with a float format through a Python call per value (about
3 us each: a 50,000-image VGG-16 run has 10 million of them in its layers table). Here each column
is turned into its strings at once, each distinct value formatted once (integers by `str`, floats
by one `%`, text quoted only where CSV needs it, as Python's csv writer does) and the rows are
joined. A table with a column of another kind (dates, categories, mixed objects) is left to pandas
whole. `tests/test_csv_text.py` checks the bytes against `to_csv` on random tables.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

FLOAT_FORMAT = "%.10g"
"""Floats are written with 10 significant digits, so the same inputs give byte-identical files."""
_SPECIAL = frozenset(',"\r\n')


def _quoted(text: str) -> str:
    """`text` as one CSV field, as Python's csv writer (which pandas uses) writes it: a field
    that may need quotes (a delimiter, a quote or a line break in it) is left to the writer."""
    if _SPECIAL.isdisjoint(text):
        return text
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([text, ""])
    return buf.getvalue()[:-2]  # without the empty second field and the line end


def _float_text(v: float) -> str:
    return "" if v != v else FLOAT_FORMAT % v


def _by_value(arr: np.ndarray, text) -> list[str]:
    """`text(v)` of every value of `arr`, computed once per distinct value (result tables repeat
    values a lot: a layer's constants, images with the same work)."""
    if arr.size < 64:
        return [text(v) for v in arr.tolist()]
    uniq, inverse = np.unique(arr, return_inverse=True)
    texts = np.array([text(v) for v in uniq.tolist()], dtype=object)
    return texts[inverse.ravel()].tolist()


def _column(values: pd.Series) -> list[str] | None:
    """The column's fields, or None when pandas must format it."""
    dtype = values.dtype
    arr = values.to_numpy()
    if dtype.kind in "iu":
        return _by_value(arr, str)
    if dtype.kind == "f":
        if np.any((arr == 0) & np.signbit(arr)):  # np.unique takes -0.0 for 0.0
            return [_float_text(v) for v in arr.tolist()]
        return _by_value(arr, _float_text)
    if dtype.kind == "b":
        return ["True" if v else "False" for v in arr.tolist()]
    if dtype.kind == "O":
        items = arr.tolist()
        if set(map(type, items)) <= {str}:
            quoted = {v: _quoted(v) for v in set(items)}
            return [quoted[v] for v in items]
        fields = []
        for v in items:
            if isinstance(v, str):
                fields.append(_quoted(v))
            elif v is None or (isinstance(v, float) and v != v):
                fields.append("")
            elif isinstance(v, (bool, int, np.integer)):
                fields.append(str(v))
            else:
                return None
        return fields
    return None


def _pandas(df: pd.DataFrame, header: bool) -> str:
    return df.to_csv(index=False, header=header, float_format=FLOAT_FORMAT, lineterminator="\n")


def csv_text(df: pd.DataFrame, header: bool = True) -> str:
    """The CSV text of `df` (a header line when `header`), equal to
    ``df.to_csv(index=False, header=header, float_format=FLOAT_FORMAT, lineterminator="\\n")``."""
    if df.columns.nlevels != 1 or not df.columns.is_unique:
        return _pandas(df, header)
    columns = []
    for name in df.columns:
        fields = _column(df[name])
        if fields is None:
            return _pandas(df, header)
        columns.append(fields)
    buf = io.StringIO()
    if header:
        if len(df.columns) == 1 and str(df.columns[0]) == "":
            return _pandas(df, header)
        csv.writer(buf, lineterminator="\n").writerow([str(c) for c in df.columns])
    if len(df) == 0:
        return buf.getvalue()
    if len(columns) == 1:
        # a lone empty field is written quoted, so that the row is not read as a blank line
        rows = ['""' if f == "" else f for f in columns[0]]
    else:
        rows = [",".join(r) for r in zip(*columns)]
    buf.write("\n".join(rows))
    buf.write("\n")
    return buf.getvalue()
