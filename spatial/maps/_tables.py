"""The dock's tables of the maps: each community's coverage per band, and each community's
grids (how many, households, households per grid, out of the band), names first and ids in
small print, as HTML."""

from __future__ import annotations

import re  # noqa: F401  (the examples use it)

import numpy as np
import pandas as pd

from spatial.core.checks import label_text, natural_key, round_half_up
from spatial.io.workbook import NONE_ID, none_name
from spatial.maps import _style as st
from spatial.maps._data import names_of

__all__ = ["coverage_table", "grid_table"]


def coverage_table(table: pd.DataFrame, bands: list[str], communities, lang: str) -> str:
    """HTML of the table of households and % covered per band, overall and per community,
    with the community's name first and its id in small print."""
    names = names_of(communities, "community_id")
    shown = [b for b in bands if f"pct_hh_{b}" in table.columns]
    header = [st.text(lang, "community"), st.field_label(lang, "households")] + [
        st.band_label(lang, b) for b in shown]
    rows = []
    for _, r in table.iterrows():
        if r["level"] == "overall":
            who = (st.text(lang, "overall"), "")
        else:
            cid = str(r["id"])
            who = ((names[cid], cid) if cid in names else
                   (none_name("community", lang), "") if cid == NONE_ID else (cid, ""))
        hh = r.get("households")
        rows.append([who, int(round(hh)) if pd.notna(hh) else ""] + [float(r[f"pct_hh_{b}"]) for b in shown])
    return st.table_html(st.text(lang, "table_title"), header, rows)


def grid_table(grids: pd.DataFrame, hh: pd.Series, status, communities, lang: str) -> str | None:
    """HTML of the grids of each community, overall first: how many, their households, households
    per grid and how many are out of the band (``status`` not ``in``); None without ``community_id``.

    Examples
    --------
    >>> grids = pd.DataFrame({"community_id": ["C2", "C1", "C2"]})
    >>> html = grid_table(grids, pd.Series([300.0, 420.0, 510.0]), ["in", "in", "over"], None, "en")
    >>> [c for c in re.findall(r"<td[^>]*>([^<]*)", html)][:10]
    ['All', '3', '1230', '410', '1', 'C1', '1', '420', '420', '0']
    """
    if "community_id" not in grids.columns:
        return None
    names = names_of(communities, "community_id")
    frame = pd.DataFrame({"c": grids["community_id"].map(label_text).to_numpy(), "hh": hh.to_numpy(dtype=float),
                          "out": np.asarray(status) != "in"})
    rows = [[(st.text(lang, "overall"), ""), len(frame), int(round(frame["hh"].sum())),
             int(round_half_up(frame["hh"].mean(), 0)) if len(frame) else "", int(frame["out"].sum())]]
    for cid, g in sorted(frame.groupby("c"), key=lambda kv: natural_key(kv[0])):  # C1, C2 ... C10
        rows.append([(names.get(cid, cid), cid if cid in names else ""), len(g), int(round(g["hh"].sum())),
                     int(round_half_up(g["hh"].mean(), 0)), int(g["out"].sum())])
    header = [st.text(lang, "community"), st.text(lang, "grid_count"), st.field_label(lang, "households"),
              st.text(lang, "per_grid"), st.text(lang, "out_of_band")]
    return st.table_html(st.text(lang, "grid_table_title"), header, rows)
