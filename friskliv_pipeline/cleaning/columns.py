"""Helpers for cleaning whole columns at once with the very rules written for one value.

A rule (``yes_no``, ``parse_nok``, ``MunicipalityRegister.match`` …) stays the definition of
what one answer means; ``Distinct`` applies it once per distinct value (or tuple of values) and
broadcasts the result back to every row, so 119 000 responses cost what their few thousand
distinct answers cost. ``infer`` gives a built column the dtype pandas' DataFrame constructor
infers for those Python values (booleans with a missing value stay object, whole numbers with
one become float; contract.conform types the tables for the warehouse).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype
# The DataFrame constructor's own inference for a column of Python objects: using it, not an
# imitation, keeps its str/bool/float/datetime choices.
from pandas.core.internals.construction import convert_object_array

from friskliv_pipeline.cleaning.answers import clean_text, is_missing


def objects(series: pd.Series) -> np.ndarray:
    """The values one by one as iterating the Series (``itertuples``, ``to_dict``) yields them."""
    dtype = series.dtype
    if dtype == object or dtype.kind in "biufM" or isinstance(dtype, pd.StringDtype):
        # the same boxed values (Python scalars, Timestamps, NaN/NaT for missing), without a Python loop
        return series.to_numpy(dtype=object)
    return object_array(list(series))


def object_array(values: list) -> np.ndarray:
    """A 1-d object array of scalars (str, bool, numbers, None, dataclasses; not sequences)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def clean_texts(values: np.ndarray) -> np.ndarray:
    """``clean_text`` of each value, with pandas string methods when every value is text or missing."""
    if infer_dtype(values, skipna=True) not in ("string", "empty"):
        return object_array([clean_text(v) for v in values])
    texts = pd.Series(values, dtype=object)
    cleaned = (texts.str.normalize("NFC").str.replace("\u00a0", " ", regex=False)
               .str.replace(r"[ \t\u2009\u202f]+", " ", regex=True).str.strip())
    out = cleaned.to_numpy(dtype=object, copy=True)
    out[(cleaned.isna() | (cleaned == "")).to_numpy(dtype=bool)] = None
    return out


def compact_keys(values: np.ndarray) -> np.ndarray:
    """``compact_key`` of each value: match_key's folding with every non-word run removed, which is
    match_key (non-word runs → one space, stripped) without its spaces."""
    texts = pd.Series(object_array(["" if is_missing(v) else str(v) for v in values]), dtype=object)
    return texts.str.normalize("NFKC").str.casefold().str.replace(r"[^\w]+", "", regex=True).to_numpy(dtype=object)


def map_distinct(series: pd.Series, rule: Callable, on_array: bool = False) -> pd.Series:
    """``series.map(rule)`` calling ``rule`` once per distinct value (missing values included)."""
    values = objects(series)
    return pd.Series(infer(Distinct(rule, values, on_array=on_array).take()), index=series.index, name=series.name)


def raw_values(raw: pd.DataFrame, column: str) -> np.ndarray:
    """A raw column as the rules see it: Python objects, every missing cell None."""
    if column not in raw:
        return np.full(len(raw), None, dtype=object)
    series = raw[column]
    values = objects(series).copy()
    values[series.isna().to_numpy()] = None
    return values


def infer(values: np.ndarray):
    """The column the DataFrame constructor would make of these Python values."""
    if values.dtype != object:
        return values
    return convert_object_array([values], dtype=None)[0]


def frame_of(columns: dict[str, np.ndarray | Callable[[], np.ndarray]], names: list[str] | None = None,
             n_rows: int | None = None) -> pd.DataFrame:
    """A frame of the given columns (``names``: which, in what order), each typed by ``infer``
    (without rows: object columns). A column may be given as a function building it, so that only
    one column of Python objects is alive at a time."""
    names = list(columns) if names is None else names
    if not columns or (n_rows if n_rows is not None else len(next(iter(columns.values())))) == 0:
        return pd.DataFrame([], columns=names)
    built = {}
    for name in names:
        column = columns[name]
        built[name] = infer(column() if callable(column) else column)
    return pd.DataFrame(built)


def _codes(values: np.ndarray) -> np.ndarray:
    """Integer key per value: 0 None, 1 another missing value (NaN), 2… one per distinct value."""
    if infer_dtype(values, skipna=True) in ("string", "empty"):
        codes, _ = pd.factorize(values)
    else:  # 1, 1.0 and True are one key to a hash table but not to a rule reading str(value)
        keys = object_array([None if pd.isna(v) else f"{type(v).__qualname__}:{v!r}" for v in values])
        codes, _ = pd.factorize(keys)
    codes = codes.astype(np.int64) + 2
    missing = np.flatnonzero(codes == 1)
    if len(missing):
        try:  # None == None; NaN == None is False
            codes[missing] = np.where(np.equal(values[missing], None).astype(bool), 0, 1)
        except TypeError:  # pd.NA answers NA, not a bool
            codes[missing] = [0 if values[i] is None else 1 for i in missing]
    return codes


class Distinct:
    """``rule`` applied once per distinct tuple of values of ``columns`` (None and NaN kept apart)."""

    def __init__(self, rule: Callable, *columns: np.ndarray, on_array: bool = False):
        """``on_array``: ``rule`` takes the array of distinct values of the one column and returns
        the results in that order (pandas string methods instead of one call per value)."""
        n = len(columns[0])
        packed = np.zeros(n, dtype=np.int64)
        for column in columns:
            codes = _codes(column)
            packed, _ = pd.factorize(packed * (int(codes.max(initial=0)) + 1) + codes)
        self.codes = packed.astype(np.intp)  # numbered in order of first appearance
        first = pd.Series(self.codes).drop_duplicates().index.to_numpy()  # code k's first row, k = 0, 1, …
        if on_array:
            self.results = list(rule(columns[0][first]))
        else:
            self.results = [rule(*(column[i] for column in columns)) for i in first]

    def take(self, get: Callable = lambda result: result) -> np.ndarray:
        """``get(result)`` for every row, as an object column."""
        return object_array([get(r) for r in self.results])[self.codes]

    def where(self, test: Callable) -> np.ndarray:
        """Rows whose result passes ``test``."""
        return np.flatnonzero(np.array([bool(test(r)) for r in self.results], dtype=bool)[self.codes])
