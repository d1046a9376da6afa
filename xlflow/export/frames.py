"""The tables as pandas DataFrames with typed columns, and the csv files written from them.

This is where pandas serves xlflow: one typed frame per table (nullable integers, floats, booleans,
datetimes, strings), which a caller can also use directly. CSV files are UTF-8 with a byte-order
mark: Excel on Windows opens a BOM-less CSV in the system's ANSI code page (GBK on a Chinese
Windows) and garbles Chinese text, while Power BI, Tableau, FineBI and pandas all read the BOM.
A text cell beginning with =, +, - or @ gets a leading apostrophe in CSV only, because Excel
opens such a cell of a CSV file as a formula; the xlsx format keeps the text exactly, in a
string cell.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import XlflowError
from ..store.atomic import atomic_path
from ..week.state import WeekState
from .columns import TABLES
from .tables import table_rows

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_DTYPES = {"text": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean"}


class PandasMissing(XlflowError):
    """`export tables` as csv needs pandas, which this installation lacks."""


def pandas():
    try:
        import pandas as pd
    except ImportError:
        raise PandasMissing("export-no-pandas") from None
    return pd


def frames(state: WeekState) -> dict:
    """Table name -> DataFrame, columns named and typed as columns.TABLES says."""
    pd = pandas()
    out = {}
    for name, rows in table_rows(state).items():
        columns = TABLES[name]
        df = pd.DataFrame.from_records(rows, columns=[c.name for c in columns])
        for c in columns:
            if c.type in ("date", "datetime"):
                df[c.name] = pd.to_datetime(df[c.name])
            else:
                df[c.name] = df[c.name].astype(_DTYPES[c.type])
        out[name] = df
    return out


def _defused(df):
    """Text columns with a formula-looking cell prefixed by an apostrophe (csv only)."""
    df = df.copy()
    for col in df.columns:
        if str(df[col].dtype) == "string":
            mask = df[col].str.startswith(_FORMULA_START).fillna(False)
            df.loc[mask, col] = "'" + df.loc[mask, col]
    return df


def write_csv(state: WeekState, folder: Path) -> dict[str, tuple[Path, int]]:
    """One <table>.csv per table, each written atomically; table -> (path, rows)."""
    written = {}
    for name, df in frames(state).items():
        date_cols = [c.name for c in TABLES[name] if c.type == "date"]
        df = _defused(df)
        for col in date_cols:
            df[col] = df[col].dt.strftime("%Y-%m-%d")
        path = folder / f"{name}.csv"
        with atomic_path(path) as tmp:
            df.to_csv(tmp, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d %H:%M:%S", lineterminator="\r\n")
        written[name] = (path, len(df))
    return written
