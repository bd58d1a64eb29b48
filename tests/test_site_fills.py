"""Which gaps a proposed site fills, and the households it brings within 5, 10 and 15 minutes.

The town (EPSG:32650): one street along y = 0 from 0 to 3,000 m (nodes every 250 m); the station
S1 at (0, 0); homes 20 m off the street at x = 200 ... 2,900; two candidate rooms on the street,
R1 at 1,800 and R2 at 2,900. At 4 km/h the bands are 333, 667 and 1,000 m. The walks are worked out
here with networkx along the raw street (each point joined to its edge's two nodes, the homes'
20 m legs added), the gains and the gaps' fills with pandas; the gaps themselves (which homes form
which gap) are the coverage's, taken as given.

Until 7 December 2026 a site said only how many households it adds within the band sited for; an
official could not tell which gaps it fills, what it does for the 5- and 10-minute circles, or
which gaps no site reaches.
"""

from __future__ import annotations

import re

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from types import SimpleNamespace
from shapely.geometry import Point

CRS = "EPSG:32650"
X0, Y0 = 500_000.0, 2_490_000.0
NODES = np.arange(0, 3001, 250, dtype=float)
HOMES = {"H1": (200, 40), "H2": (700, 30), "H3": (1200, 50), "H4": (1500, 60), "H5": (1800, 70),
         "H6": (2100, 80), "H7": (2500, 90), "H8": (2900, 100), "H9": (3000, 0)}
ROOMS = {"R1": 1800.0, "R2": 2900.0}
LIMITS = {"5min": 4000 / 60 * 5, "10min": 4000 / 60 * 10, "15min": 4000 / 60 * 15}


def _walk(a: float, b: float) -> float:
    """networkx along the street from x = a to x = b (each point joined to its edge's nodes)."""
    g = nx.Graph()
    for u, v in zip(NODES[:-1], NODES[1:]):
        g.add_edge(u, v, weight=v - u)
    for name, x in (("a", a), ("b", b)):
        k = min(np.searchsorted(NODES, x, side="right") - 1, len(NODES) - 2)
        g.add_edge(name, NODES[k], weight=x - NODES[k])
        g.add_edge(name, NODES[k + 1], weight=NODES[k + 1] - x)
    return nx.shortest_path_length(g, "a", "b", weight="weight") if a != b else 0.0


def _points(xy, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=CRS)


@pytest.fixture(scope="module")
def town():
    import spatial
    from spatial.network.graph import network_from_arrays

    network = network_from_arrays(np.c_[NODES + X0, np.full(len(NODES), Y0)], np.arange(len(NODES) - 1),
                                  np.arange(1, len(NODES)), crs=CRS)
    homes = _points([(x, 0) for x, _ in HOMES.values()], unit_id=list(HOMES), households=[h for _, h in HOMES.values()])
    homes["geometry"] = [Point(X0 + x, Y0 + 20) for x, _ in HOMES.values()]
    stations = _points([(0, 0)], station_id=["S1"])
    rooms = _points([(x, 0) for x in ROOMS.values()], candidate_id=list(ROOMS))
    demand = spatial.walking_coverage(homes, stations, network)
    result = spatial.site_stations(demand, stations, network, candidates=rooms, k=2)
    return network, demand, result


def _expected(result) -> tuple[pd.DataFrame, dict]:
    """Each home's walk to the station and to each site (networkx), and the best-ranked site that
    brings it within each band it was not within."""
    order = result.sites["candidate_id"].tolist()  # as the siting ranked them
    rows = []
    for uid, (x, hh) in HOMES.items():
        row = {"unit_id": uid, "hh": hh, "station": _walk(0, x) + 20}
        for r, cid in enumerate(order):
            row[r] = _walk(ROOMS[cid], x) + 20
        for band, lim in LIMITS.items():
            row[band] = next((r for r in range(len(order)) if row["station"] > lim and row[r] <= lim), -1)
        rows.append(row)
    return pd.DataFrame(rows), order


def test_each_site_says_the_households_it_brings_within_5_10_and_15_minutes(town):
    _, _, result = town
    homes, order = _expected(result)
    assert order == ["R1", "R2"]  # R1 reaches H3-H7 within 1,000 m; R2 H6-H9
    for band in LIMITS:
        want = [int(homes.loc[homes[band] == r, "hh"].sum()) for r in range(len(order))]
        assert result.sites[f"new_hh_{band}"].tolist() == want, band
    # the band sited for: the gains as before
    assert result.sites["new_hh_15min"].tolist() == result.sites["gain_households"].tolist()


def test_the_gaps_say_which_sites_fill_them_and_the_sites_which_gaps(town):
    from spatial.coverage.gaps import coverage_gaps
    from spatial.siting.sites import fill_gaps

    network, demand, result = town
    gaps, labelled = coverage_gaps(demand, network, band="15min", points=True)
    gaps, sites = fill_gaps(gaps, result, labelled["gap_id"])
    homes, order = _expected(result)
    homes["gap"] = labelled.set_index("unit_id").loc[homes["unit_id"], "gap_id"].to_numpy(dtype=object)
    homes["site"] = [None if r < 0 else result.sites["site_id"].iloc[r] for r in homes["15min"]]
    reached = homes[homes["site"].notna() & homes["gap"].notna()]
    want_by = reached.groupby("gap")["site"].agg(lambda s: ", ".join(sorted(set(s))))
    want_hh = reached.groupby("gap")["hh"].sum()
    got = gaps.set_index("gap_id")
    for gid in got.index:
        assert got.loc[gid, "filled_by"] == want_by.get(gid, ""), gid
        assert got.loc[gid, "households_filled"] == want_hh.get(gid, 0), gid
    assert gaps["households_filled"].sum() == result.sites["gain_households"].sum()
    for sid, text in zip(sites["site_id"], sites["gaps"]):
        mine = reached[reached["site"] == sid].groupby("gap")["hh"].sum().sort_values(ascending=False, kind="stable")
        assert text == ", ".join(f"{g} ({h:,.0f})" for g, h in mine.items()), sid


def test_a_gap_no_site_reaches_says_so_in_the_sheet_and_on_the_map(town, tmp_path):
    """One station far west and one room: the gap at the east end is reached by no site."""
    from openpyxl import load_workbook

    import spatial
    from spatial.coverage.gaps import coverage_gaps
    from spatial.io.workbook import write_workbook
    from spatial.maps._data import decode
    from spatial.maps._layers import VectorLayer
    from spatial.maps.interactive import coverage_map
    from spatial.siting.sites import fill_gaps

    network, demand, _ = town
    rooms = _points([(1500, 0)], candidate_id=["R0"])
    result = spatial.site_stations(demand, _points([(0, 0)], station_id=["S1"]), network, candidates=rooms, k=1)
    gaps, labelled = coverage_gaps(demand, network, band="15min", points=True)
    gaps, sites = fill_gaps(gaps, result, labelled["gap_id"])
    far = {g for g, x in zip(labelled["gap_id"], [HOMES[u][0] for u in labelled["unit_id"]])
           if g is not pd.NA and g is not None and _walk(1500, x) + 20 > LIMITS["15min"]}
    far -= set(gaps.loc[gaps["filled_by"] != "", "gap_id"])  # a gap part reached is filled (in part)
    assert far and set(gaps.loc[gaps["filled_by"] == "", "gap_id"]) == far
    summary = pd.DataFrame({"level": ["overall"], "id": ["all"], "households": [1000], "hh_15min": [70],
                            "pct_hh_15min": [7.0]})
    book = load_workbook(write_workbook(tmp_path / "s.xlsx", summary, gaps=gaps, sites=sites, lang="zh"))
    rows = list(book["盲区"].values)
    said = {r[0]: dict(zip(rows[0], r))["可填补的新站"] for r in rows[1:]}
    assert {g for g, v in said.items() if v == "无新站可达"} == far
    rows = list(book["新站选址"].values)
    assert dict(zip(rows[0], rows[1]))["填补的盲区（户数）"] == sites["gaps"].iloc[0]
    m = coverage_map(demand, _points([(0, 0)], station_id=["S1"]), bands=["5min", "10min", "15min"], gaps=gaps,
                     sites=sites)
    layers = {c.options["key"]: decode(c.data_js) for c in m._children.values() if isinstance(c, VectorLayer)}
    # (the sites and gaps as the map titles and labels them: 建议新站 1, #1; NEW001 and G001 until 7 December 2026)
    assert {f["properties"]["filled_by"] for f in layers["gaps"]} >= {"无新站可达", "建议新站 1"}
    (site,) = layers["sites"]
    rank = dict(zip(gaps["gap_id"], gaps["rank"]))
    assert site["properties"]["gaps"] == ", ".join(f"#{int(rank[g])} ({h})" for g, h in
                                                   re.findall(r"(\w+) \(([^)]*)\)", sites["gaps"].iloc[0]))
    assert site["properties"]["new_hh_5min"] == int(sites["new_hh_5min"].iloc[0])
    html = m.get_root().render()
    # named as the map labels the gaps (#rank), in rank order
    ranked = gaps.set_index("gap_id").loc[sorted(far), "rank"].sort_values()
    assert "建议新站到不了的盲区：" + "、".join(f"#{int(r)}" for r in ranked) in html


# --------------------------------------------------------------- spatial site, its map and the KMZ
def _town_files(tmp_path) -> list[str]:
    """The town as files: the street in 250 m lines, the homes, S1 and the two rooms."""
    from shapely.geometry import LineString

    street = gpd.GeoDataFrame({"highway": ["footway"] * (len(NODES) - 1)},
                              geometry=[LineString([(X0 + a, Y0), (X0 + b, Y0)]) for a, b in zip(NODES[:-1], NODES[1:])],
                              crs=CRS)
    street.to_file(tmp_path / "street.gpkg")
    homes = _points([(x, 20) for x, _ in HOMES.values()], unit_id=list(HOMES), households=[h for _, h in HOMES.values()])
    homes.to_file(tmp_path / "homes.gpkg")
    _points([(0, 0)], station_id=["S1"], name=["一站"]).to_file(tmp_path / "stations.gpkg")
    _points([(x, 0) for x in ROOMS.values()], candidate_id=list(ROOMS)).to_file(tmp_path / "rooms.gpkg")
    return [str(tmp_path / n) for n in ("street.gpkg", "stations.gpkg", "homes.gpkg")]


def _home_gaps(gaps: gpd.GeoDataFrame) -> dict:
    """Each home's gap: the outline holding it (shapely; outlines never overlap)."""
    held = {}
    for uid, (x, _) in HOMES.items():
        inside = gaps.loc[gaps.geometry.covers(Point(X0 + x, Y0 + 20)), "gap_id"].tolist()
        assert len(inside) <= 1, uid
        held[uid] = inside[0] if inside else None
    return held


def test_spatial_site_says_what_each_site_brings_and_the_gaps_it_fills(tmp_path, capsys):
    """``spatial site`` alone: each site's households newly within 5, 10 and 15 minutes (until
    7 December 2026 it sited with the band sited for only: new_hh_15min, no 5 or 10), which gaps
    it fills (none said before) and the gaps layer ``spatial coverage`` draws, with its fills."""
    from spatial.cli import main

    f = _town_files(tmp_path)
    assert main(["-q", "coverage", *f, "--no-isochrones", "--out", str(tmp_path / "cov.gpkg")]) == 0
    assert main(["site", *f, "--candidates", str(tmp_path / "rooms.gpkg"), "--k", "2",
                 "--out", str(tmp_path / "sites.gpkg")]) == 0
    out = capsys.readouterr().out
    sites = gpd.read_file(tmp_path / "sites.gpkg", layer="sites")
    gaps = gpd.read_file(tmp_path / "sites.gpkg", layer="gaps")
    order = sites["candidate_id"].tolist()
    homes, _ = _expected(SimpleNamespace(sites=sites))
    for band in LIMITS:
        assert sites[f"new_hh_{band}"].tolist() == [int(homes.loc[homes[band] == r, "hh"].sum())
                                                    for r in range(len(order))], band
    # the gaps spatial coverage draws, the same ids and households
    drawn = gpd.read_file(tmp_path / "cov.gpkg", layer="gaps")
    assert sorted(zip(gaps["gap_id"], gaps["households"])) == sorted(zip(drawn["gap_id"], drawn["households"]))
    # each gap's fills from the networkx walks and the outline holding each home
    homes["gap"] = homes["unit_id"].map(_home_gaps(drawn))
    homes["site"] = [None if r < 0 else sites["site_id"].iloc[r] for r in homes["15min"]]
    reached = homes[homes["site"].notna() & homes["gap"].notna()]
    got = gaps.set_index("gap_id")
    for gid in got.index:
        assert (got.loc[gid, "filled_by"] or "") == ", ".join(sorted(set(reached.loc[reached["gap"] == gid, "site"])))
        assert got.loc[gid, "households_filled"] == reached.loc[reached["gap"] == gid, "hh"].sum()
    assert got["households_filled"].sum() == sites["gain_households"].sum() > 0
    for r, row in sites.iterrows():
        mine = reached[reached["site"] == row["site_id"]].groupby("gap")["hh"].sum()
        mine = mine.sort_values(ascending=False, kind="stable")
        assert row["gaps"] == ", ".join(f"{g} ({h:,.0f})" for g, h in mine.items())
        within = ", ".join(f"{b} +{row[f'new_hh_{b}']:.0f}" for b in ("5min", "10min"))
        assert f"{row['site_id']}  {row['candidate_id']}  +{row['gain_households']:.0f} households -> " in out
        assert f"; within {within}; fills {row['gaps']}\n" in out


def test_the_map_and_the_kmz_say_the_fills_as_the_map_labels_gaps_and_sites(tmp_path):
    """``spatial map --coverage C --sites S``: the gaps' popups name the sites reaching them as the
    map titles them (建议新站 1), the sites' popups the gaps as the map labels them (#1), with the
    households within 5 and 10 minutes; the KMZ's placemarks say the same (until 7 December 2026
    its sites said their 15-minute gain only, its gaps nothing of the new sites)."""
    from spatial.cli import main
    from spatial.io.layers import read_layer
    from spatial.maps._data import decode
    from spatial.maps._layers import VectorLayer
    from spatial.maps.from_files import map_from_files
    from spatial.maps.kmz import results_kmz

    f = _town_files(tmp_path)
    assert main(["-q", "coverage", *f, "--no-isochrones", "--out", str(tmp_path / "cov.gpkg")]) == 0
    assert main(["-q", "site", *f, "--candidates", str(tmp_path / "rooms.gpkg"), "--k", "2",
                 "--out", str(tmp_path / "sites.gpkg")]) == 0
    sites = gpd.read_file(tmp_path / "sites.gpkg", layer="sites")
    gaps = gpd.read_file(tmp_path / "sites.gpkg", layer="gaps")
    rank = dict(zip(gaps["gap_id"], gaps["rank"]))
    title = {s: f"建议新站 {int(r)}" for s, r in zip(sites["site_id"], sites["rank"])}

    def named(text):  # G001 (50) -> #1 (50): the gaps as the map labels them
        return re.sub(r"(\w+) \(", lambda m: f"#{int(rank[m.group(1)])} (", text)

    def sites_of(text):
        return "、".join(title[s] for s in text.split(", ")) if text else "无新站可达"

    m = map_from_files(coverage=tmp_path / "cov.gpkg", sites=tmp_path / "sites.gpkg")
    layers = {c.options["key"]: decode(c.data_js) for c in m._children.values() if isinstance(c, VectorLayer)}
    popups = {p["properties"]["_t"]: p["properties"] for p in layers["gaps"]}  # by their titles, 盲区 #1
    assert {t: (p["filled_by"], p["households_filled"]) for t, p in popups.items()} == {
        f"盲区 #{int(r)}" if r == r else f"盲区 {g}": (sites_of(b or ""), h)
        for g, r, b, h in zip(gaps["gap_id"], gaps["rank"], gaps["filled_by"], gaps["households_filled"])}
    for p, (_, row) in zip(layers["sites"], sites.sort_values("rank").iterrows()):
        assert p["properties"]["gaps"] == named(row["gaps"]) and "G0" in row["gaps"] and "G0" not in named(row["gaps"])
        assert (p["properties"]["new_hh_5min"], p["properties"]["new_hh_10min"]) == (row["new_hh_5min"],
                                                                                      row["new_hh_10min"])
    cov = gpd.read_file(tmp_path / "cov.gpkg", layer="gaps")
    kmz = results_kmz(tmp_path / "r.kmz", {"gaps": gaps, "sites": sites, "coverage_demand": None})
    said = {n: d for folder in ("覆盖盲区", "建议新站点")
            for n, d in zip(*(read_layer(kmz, layer=folder)[c] for c in ("Name", "description")))}
    for _, row in sites.iterrows():
        text = said[title[row["site_id"]]]
        assert f"5分钟内新增户数: {row['new_hh_5min']}" in text and f"10分钟内新增户数: {row['new_hh_10min']}" in text
        assert f"填补的盲区（户数）: {named(row['gaps'])}" in text
    for _, row in gaps[gaps["rank"].notna()].iterrows():
        text = said[f"盲区 #{int(row['rank'])}"]
        assert f"可填补的新站: {sites_of(row['filled_by'] or '')}" in text
    assert len(cov)  # (the coverage's gaps are those the map drew)


def test_a_run_without_grids_draws_its_new_sites_on_the_coverage_map(tmp_path):
    """``[grids] enabled = false``: the overview (the map of the sites) is not drawn, and until
    7 December 2026 the new sites were on no map at all, the gaps' popups naming sites none showed."""
    from conftest import DEMO_INPUTS

    from spatial.cli import main

    project = tmp_path / "p.toml"
    project.write_text(f"""[project]
name = "no grids"
{DEMO_INPUTS}[grids]
enabled = false
[siting]
k = 3
[outputs]
maps = true
workbook = false
png = false
kml = false
""", encoding="utf-8")
    assert main(["-q", "run", str(project), "--out", str(tmp_path / "out")]) == 0
    assert not (tmp_path / "out" / "overview.html").exists()
    page = (tmp_path / "out" / "coverage.html").read_text(encoding="utf-8")
    sites = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="sites")
    assert len(sites) == 3 and all(f'"建议新站 {r}"' in page for r in sites["rank"])  # the markers' titles
    assert "建议新增站点" in page  # the layer's name in the list
