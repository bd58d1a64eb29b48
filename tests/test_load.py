"""Station load: catchments conserve households; 2SFCA equals PySAL ``access`` on a shared table."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from spatial import ColumnError
from spatial.coverage.walks import walking_coverage
from spatial.coverage.load import fca_by_community, station_fca, station_load, two_step_fca, walk_table
from spatial.network.graph import network_from_arrays

access = pytest.importorskip("access")

CRS = "EPSG:32650"


@pytest.fixture(scope="module")
def town():
    """An uneven street lattice (60-140 m blocks), 400 homes (some off the streets), 5 stations."""
    rng = np.random.default_rng(11)
    xs = np.cumsum(rng.uniform(60, 140, 16))
    ys = np.cumsum(rng.uniform(60, 140, 14))
    node = {(i, j): k for k, (i, j) in enumerate((i, j) for j in range(len(ys)) for i in range(len(xs)))}
    xy = np.array([(xs[i], ys[j]) for (i, j) in node])
    edges = [(node[(i, j)], node[(i + 1, j)]) for j in range(len(ys)) for i in range(len(xs) - 1)]
    edges += [(node[(i, j)], node[(i, j + 1)]) for j in range(len(ys) - 1) for i in range(len(xs))]
    edges = [e for e in edges if rng.random() > 0.12]  # some streets missing
    u, v = np.array(edges).T
    net = network_from_arrays(xy, u, v, crs=CRS)
    homes = rng.uniform(xy.min(axis=0), xy.max(axis=0), (400, 2))
    demand = gpd.GeoDataFrame({"households": rng.integers(0, 120, 400),
                               "population": rng.integers(0, 300, 400),
                               "community_id": rng.choice(["A", "B", "C"], 400)},
                              geometry=shapely.points(homes), crs=CRS)
    st = rng.uniform(xy.min(axis=0), xy.max(axis=0), (5, 2))
    stations = gpd.GeoDataFrame({"station_id": [f"S{i}" for i in range(5)],
                                 "floor_area_m2": [600.0, 300.0, 1200.0, np.nan, 450.0]},
                                geometry=shapely.points(st), crs=CRS)
    return net, demand, stations


def test_catchments_count_every_reachable_household_once(town):
    net, demand, stations = town
    scored = walking_coverage(demand, stations, net)
    load = station_load(scored, stations)
    reach = scored["nearest_station"].notna()
    assert load["households_served"].sum() == scored.loc[reach, "households"].sum()
    assert load["population_served"].sum() == scored.loc[reach, "population"].sum()
    assert load["units_served"].sum() == reach.sum()
    for _, row in load.iterrows():  # each station: exactly the homes naming it
        mine = scored["nearest_station"] == row["station_id"]
        assert row["households_served"] == scored.loc[mine, "households"].sum()
        assert row["households_estimated"] == scored.loc[mine & (scored["access"] == "estimated"), "households"].sum()
    expected = 100 * stations["floor_area_m2"] / load["households_served"]
    np.testing.assert_allclose(load["m2_per_100hh"], expected.where(load["households_served"] > 0))
    # no floor area (S3), or serving nobody: no area per 100 households, and unknown whether under the standard
    known = np.isfinite(expected) & (load["households_served"] > 0)
    assert not known.all() and load["under_standard"][known].tolist() == (expected < 30)[known].tolist()
    assert load["under_standard"][~known].isna().all()
    assert station_load(scored, stations, min_m2_per_100hh=0)["under_standard"].sum() == 0


def _pysal(travel, supply, demand, max_cost, weight_fn=None):
    """PySAL access's 2SFCA on the same table (ids as strings, as its geoid)."""
    dem = pd.DataFrame({"geoid": demand.index.astype(str), "hh": demand.to_numpy(float)})
    sup = pd.DataFrame({"geoid": supply.index.astype(str), "area": supply.to_numpy(float)})
    cost = pd.DataFrame({"origin": travel["home"].astype(str), "dest": travel["station"].astype(str),
                         "cost": travel["cost"].to_numpy(float)})
    with warnings.catch_warnings():  # access 1.1 uses pandas APIs deprecated in pandas 3 (inplace=...)
        warnings.simplefilter("ignore")
        return _pysal_quiet(dem, sup, cost, demand, max_cost, weight_fn)


def _pysal_quiet(dem, sup, cost, demand, max_cost, weight_fn):
    a = access.Access(demand_df=dem, demand_index="geoid", demand_value="hh", supply_df=sup,
                      supply_index="geoid", supply_value="area", cost_df=cost, cost_origin="origin",
                      cost_dest="dest", cost_name="cost")
    out = a.two_stage_fca(name="fca", max_cost=max_cost, weight_fn=weight_fn)
    return out["fca_area"].reindex(demand.index.astype(str)).fillna(0.0).to_numpy()


@pytest.mark.parametrize("sigma", [None, 400.0])
def test_two_step_fca_equals_pysal_access_on_a_shared_table(town, sigma):
    net, demand, stations = town
    table = walk_table(demand, stations, net, limit_m=1200.0)
    travel = table.rename(columns={"walk_m": "cost"})
    hh = pd.Series(demand["households"].to_numpy(float) + 1.0, index=np.arange(len(demand)))
    area = pd.Series(stations["floor_area_m2"].fillna(0).to_numpy(), index=np.arange(len(stations)))
    mine, ratio = two_step_fca(travel, area, hh, max_cost=1000.0, decay_sigma=sigma)
    weight = None if sigma is None else access.weights.gaussian(sigma)
    theirs = _pysal(travel, area, hh, 1000.0, weight)
    assert (travel["cost"] > 1000).any() and (mine > 0).sum() > 100
    np.testing.assert_allclose(mine.to_numpy(), theirs, rtol=0, atol=1e-6)
    if sigma is None:  # every m² is shared out once over the households within reach
        used = ratio.notna()
        assert (hh * mine).sum() == pytest.approx(area[used].sum())


def test_station_fca_per_home_station_and_community(town):
    net, demand, stations = town
    homes, sts = station_fca(demand, stations, net, limit_m=1000.0)
    assert homes.index.equals(demand.index) and (homes["fca_m2_per_100hh"] >= 0).all()
    reached = sts["fca_households_in_reach"] > 0
    total = (homes["households"] * homes["fca_m2_per_100hh"] / 100).sum()
    assert total == pytest.approx(sts.loc[reached, "floor_area_m2"].fillna(0).sum())
    table = fca_by_community(homes)
    overall = table.iloc[0]
    assert overall["level"] == "overall" and overall["households"] == demand["households"].sum()
    a = homes[homes["community_id"] == "B"]
    row = table[(table["level"] == "community") & (table["id"] == "B")].iloc[0]
    assert row["fca_m2_per_100hh"] == pytest.approx(np.average(a["fca_m2_per_100hh"], weights=a["households"]))


def test_load_refuses_demand_naming_unknown_stations(town):
    net, demand, stations = town
    scored = walking_coverage(demand, stations, net)
    with pytest.raises(ColumnError, match="not in stations"):
        station_load(scored, stations.iloc[1:])


def test_map_popups_show_access_gap_cause_and_station_load(town):
    from spatial.maps._data import GAP_FIELDS, STATION_FIELDS, UNIT_FIELDS, popup_props

    net, demand, stations = town
    scored = walking_coverage(demand, stations, net)
    load = station_load(scored, stations)
    props, fields = popup_props(load, STATION_FIELDS, "zh")
    assert {"服务户数", "服务人口", "其中估算步行户数", "每百户建筑面积（平方米）", "面积标准"} <= {f[1] for f in fields}
    assert props["under_standard"] == [("低于每百户面积标准" if pd.notna(u) and u else None) for u in load["under_standard"]]
    props, _ = popup_props(scored, UNIT_FIELDS, "en")
    assert set(props["access"]) <= {"along the mapped network", "estimated (paths inside the estate not mapped)",
                                    "no walk"}
    gaps = pd.DataFrame({"cause": ["service", "no mapped path"], "households": [3, 4]})
    props, _ = popup_props(gaps, GAP_FIELDS, "zh")
    assert props["cause"] == ["距站点过远：需新站", "缺少路网数据：先补图"]
