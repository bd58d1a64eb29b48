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

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
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
    assert {f["properties"]["filled_by"] for f in layers["gaps"]} >= {"无新站可达", "NEW001"}
    (site,) = layers["sites"]
    assert site["properties"]["gaps"] == sites["gaps"].iloc[0]
    assert site["properties"]["new_hh_5min"] == int(sites["new_hh_5min"].iloc[0])
    html = m.get_root().render()
    # named as the map labels the gaps (#rank), in rank order
    ranked = gaps.set_index("gap_id").loc[sorted(far), "rank"].sort_values()
    assert "建议新站到不了的盲区：" + "、".join(f"#{int(r)}" for r in ranked) in html
