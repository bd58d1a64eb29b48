"""The gaps ``spatial site`` writes and the demo's outputs count: with no station at all, and where
nobody lives.

With no station every household is in a gap: until 8 December 2026 ``spatial site`` then wrote no
``gaps`` layer (and printed no line of the gaps its sites leave). A gap of 0 households (a park,
road land beyond 15 minutes) is no gap: until then the demo's G038, G040 and N004 were each "filled"
by NEW001 in the gaps layer, drawn on the maps, placemarked in the KMZ and said 无新站可达 in the
workbook. The town is tests/test_site_fills.py's (one street, homes 20 m off it, rooms R1, R2);
the walks are worked out with networkx there (``_walk``), the fills with pandas here.
"""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
from openpyxl import load_workbook

from test_site_fills import HOMES, LIMITS, ROOMS, _home_gaps, _points, _town_files, _walk


def test_spatial_site_without_stations_writes_every_household_s_gaps_and_what_the_sites_fill(tmp_path, capsys):
    from spatial.cli import main

    street, _, homes = _town_files(tmp_path)
    none = tmp_path / "none.gpkg"
    _points([(0, 0)], station_id=["S1"], name=["一站"]).iloc[:0].to_file(none)
    assert main(["site", street, str(none), homes, "--candidates", str(tmp_path / "rooms.gpkg"), "--k", "2",
                 "--out", str(tmp_path / "sites.gpkg")]) == 0
    out = capsys.readouterr().out
    sites = gpd.read_file(tmp_path / "sites.gpkg", layer="sites")
    gaps = gpd.read_file(tmp_path / "sites.gpkg", layer="gaps")
    # every home is in one gap, and the gaps hold every household
    held = _home_gaps(gaps)
    assert all(held.values()) and gaps["households"].sum() == sum(h for _, h in HOMES.values())
    assert gaps["rank"].notna().all() and (gaps["households"] > 0).all()
    # each home's best-ranked site within 15 minutes (networkx), none before: the fills
    order = sites["candidate_id"].tolist()
    homes_ = pd.DataFrame([{"gap": held[u], "hh": hh,
                            "site": next((sites["site_id"].iloc[r] for r, cid in enumerate(order)
                                          if _walk(ROOMS[cid], x) + 20 <= LIMITS["15min"]), None)}
                           for u, (x, hh) in HOMES.items()])
    reached = homes_[homes_["site"].notna()]
    got = gaps.set_index("gap_id")
    for gid in got.index:
        assert (got.loc[gid, "filled_by"] or "") == ", ".join(sorted(set(reached.loc[reached["gap"] == gid, "site"])))
        assert got.loc[gid, "households_filled"] == reached.loc[reached["gap"] == gid, "hh"].sum()
    assert got["households_filled"].sum() == sites["gain_households"].sum() > 0
    left = gaps[gaps["filled_by"].fillna("") == ""]
    assert f"none reaches {len(left)} ({left['households'].sum():,.0f} households)" in out
    assert "layers sites, before_after, unreachable, gaps, report" in out


def test_the_demo_s_gaps_of_no_households_are_filled_by_none_drawn_nowhere_and_counted_alike(demo_outputs):
    out = {p.name: p for p in demo_outputs}
    gaps = gpd.read_file(out["results.gpkg"], layer="gaps")
    sites = gpd.read_file(out["results.gpkg"], layer="sites")
    empty = gaps[gaps["households"] == 0]
    assert len(empty) and empty["rank"].isna().all()
    assert (empty["filled_by"].fillna("") == "").all() and (empty["households_filled"] == 0).all()
    listed = {g for text in sites["gaps"] for g in re.findall(r"(\w+) \(", text or "")}
    assert not listed & set(empty["gap_id"]) and listed
    # the ranked gaps no site reaches, as pandas counts them from the layer: the maps' legend line
    left = gaps[gaps["rank"].notna() & (gaps["filled_by"].fillna("") == "")].sort_values("rank")
    line = (f"建议新站到不了的盲区：{'、'.join(f'#{int(r)}' for r in left['rank'].head(5))}等 {len(left)} 处，"
            f"共 {left['households'].sum():,.0f} 户")
    page = out["overview.html"].read_text(encoding="utf-8")
    assert line in page
    # the gaps drawn: those with households only (their titles in the page's data)
    titles = set(re.findall(r"盲区 (#\d+|[GNWB]\d{3})", page))
    assert titles == {f"#{int(r)}" if r == r else g for g, r in zip(gaps.loc[gaps["households"] > 0, "gap_id"],
                                                                   gaps.loc[gaps["households"] > 0, "rank"])}
    # the workbook's 盲区 sheet: a gap of no households names no site and says 无新站可达 of none
    rows = list(load_workbook(out["summary.xlsx"])["盲区"].values)
    said = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert {g for g, r in said.items() if r["户数"] == 0} == set(empty["gap_id"])
    assert all(not said[g]["可填补的新站"] for g in empty["gap_id"])
    assert {g for g, r in said.items() if r["可填补的新站"] == "无新站可达"} == set(
        gaps.loc[(gaps["households"] > 0) & (gaps["filled_by"].fillna("") == ""), "gap_id"])
