"""The dock's tables of the maps: each community's coverage per band, each community's
grids (how many, households, households per grid, out of the band), names first and ids in
small print, and what each proposed new site adds, as HTML."""

from __future__ import annotations

import re  # noqa: F401  (the examples use it)

import numpy as np
import pandas as pd

from spatial.core.checks import label_text, natural_key, round_half_up
from spatial.io.workbook import NONE_ID, none_name
from spatial.maps import _style as st
from spatial.maps._data import names_of

__all__ = ["coverage_table", "grid_table", "site_table"]

#: The new sites' table: its title (with the band) and its header.
_SITE_WORDS = {"zh": ("各新站新增覆盖（{band}内，按建设顺序）", ["新站", "新增户数", "建成后累计覆盖率（%）"]),
               "en": ("What each new site adds (within {band}, in build order)",
                      ["Site", "Households gained", "Coverage once built (%)"])}


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


def site_table(sites: pd.DataFrame, lang: str) -> str | None:
    """HTML of the new sites in build order: the number the map draws on each, the households it
    adds to those before it and the share covered once it and those before it are built, within
    the band its ``band`` column names (a room's own name, its ``name`` or ``名称``, in small print
    after its number); None without ranks and gains (a map redrawn at another
    speed leaves the gains out), or when the sites are of several bands.

    Examples
    --------
    >>> sites = pd.DataFrame({"rank": [2, 1], "gain_households": [1942, 2582],
    ...                       "cum_coverage_pct": [86.5948, 83.51617], "band": "15min"})
    >>> html = site_table(sites, "zh")
    >>> re.findall(r"<h4>([^<]*)", html), re.findall(r"<td[^>]*>([^<]*)", html)
    (['各新站新增覆盖（15分钟内，按建设顺序）'], ['1', '2582', '83.5', '2', '1942', '86.6'])
    """
    need = ["rank", "gain_households", "cum_coverage_pct", "band"]
    if not len(sites) or any(c not in sites.columns for c in need) or sites["band"].astype(str).nunique() != 1:
        return None
    s = sites.dropna(subset=["rank"]).sort_values("rank")
    title, header = _SITE_WORDS[lang]
    names = st.site_names(s) or [None] * len(s)  # a room's own name (小区会所) in small print
    rows = [[(st.site_label(r["rank"]), "" if pd.isna(name) else str(name)),
             int(round(r["gain_households"])) if pd.notna(r["gain_households"]) else "", float(r["cum_coverage_pct"])]
            for (_, r), name in zip(s.iterrows(), names)]
    return st.table_html(title.format(band=st.band_label(lang, str(s["band"].iloc[0]))), header, rows)
