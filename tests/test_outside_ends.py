"""Loose ends earlier outside reviews left, met as a planner, an official or an analyst meets them.

Each test failed on the code before its fix.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

import spatial

X0, Y0 = 500_000.0, 2_500_000.0  # UTM 50N, about Shenzhen


def _units(ids=("U1", "U2", "U3", "U4")) -> gpd.GeoDataFrame:
    """A row of 100 m boxes with a RangeIndex, as an analyst reads them with geopandas."""
    return gpd.GeoDataFrame({"unit_id": list(ids), "households": [100] * len(ids)}, crs="EPSG:32650",
                            geometry=[box(X0 + 100 * i, Y0, X0 + 100 * (i + 1), Y0 + 100) for i in range(len(ids))])


# ----------------------------------------------------------------------------- read_plan in Jupyter
def test_a_plan_read_back_lands_on_the_units_of_a_range_index(tmp_path):
    # units["grid_id"] = spatial.read_plan("plan.csv", units) gave every unit NaN without a word:
    # the Series was indexed by unit id (U1 ...), the units by 0, 1, 2 ...
    units = _units()
    path = tmp_path / "plan.csv"
    path.write_text("unit_id,grid_id\nU4,B\nU3,B\nU2,A\nU1,A\n", encoding="utf-8-sig")
    units["grid_id"] = spatial.read_plan(path, units)
    assert units["grid_id"].tolist() == ["A", "A", "B", "B"]


def test_a_plan_read_back_lands_on_units_indexed_their_own_way(tmp_path):
    units = _units().set_index(pd.Index([10, 30, 20, 40]))  # a filtered or shuffled frame
    path = tmp_path / "plan.csv"
    path.write_text("unit_id,grid_id\nU1,A\nU2,A\nU3,B\nU4,B\n", encoding="utf-8-sig")
    plan = spatial.read_plan(path, units)
    units["grid_id"] = plan
    assert plan.index.tolist() == [10, 30, 20, 40]
    assert units["grid_id"].tolist() == ["A", "A", "B", "B"]


# ----------------------------------------------------------------------------- blank population: one rule
def _street():
    """One straight street 0-4,000 m, nodes every 500 m."""
    from spatial.network.graph import network_from_arrays

    xs = np.arange(0, 4001, 500, dtype=float)
    return network_from_arrays(np.c_[xs, np.zeros_like(xs)], np.arange(len(xs) - 1), np.arange(1, len(xs)),
                               crs="EPSG:32650")


def _homes(population) -> gpd.GeoDataFrame:
    from shapely.geometry import Point

    return gpd.GeoDataFrame({"unit_id": ["A", "B", "C"], "households": [100, 50, 30], "population": population},
                            geometry=[Point(0, 0), Point(2000, 0), Point(4000, 0)], crs="EPSG:32650")


@pytest.mark.parametrize("population", [[250, None, 80], [250, "不详", 80]])
def test_siting_refuses_a_blank_population_as_the_coverage_summary_does(population):
    # site_stations counted B's blank (or '不详') population as 0 people without a word: the new
    # site's gain_population read 0 where coverage_summary refuses the same layer naming B
    homes = _homes(population)
    candidates = gpd.GeoDataFrame({"candidate_id": ["C1"]}, geometry=gpd.points_from_xy([2000], [0]),
                                  crs="EPSG:32650")
    with pytest.raises(spatial.ColumnError, match=r"'demand' column 'population' must be a number >= 0 in every "
                                                  r"row .*bad rows: B="):
        spatial.site_stations(homes, None, _street(), candidates=candidates, k=1, exact=False)


def test_validate_inputs_refuses_a_blank_population_the_grids_would_refuse():
    # validate_inputs passed a units layer with a blank population; partition_grids then refused it
    units = _units().assign(population=[300, np.nan, 250, 260])
    with pytest.raises(spatial.ColumnError, match=r"'units' column 'population' must be a number >= 0 in every "
                                                  r"row .*bad rows: U2=nan"):
        spatial.validate_inputs(units=units)
    layers, _ = spatial.validate_inputs(units=units.assign(population=[300, 0, 250, 260]))
    assert layers["units"]["population"].tolist() == [300, 0, 250, 260]


# ----------------------------------------------------------------------------- reruns give the same files
def _written_twice(tmp_path, monkeypatch, write, suffix, epoch=None):
    """The bytes of two writes of the same thing, in two different seconds (the workbook's dates
    are to the second, a GeoPackage's to the millisecond)."""
    import time

    if epoch is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    out = []
    for run in (0, 1):
        if run:
            time.sleep(1.1)
        path = tmp_path / f"run{run}{suffix}"
        write(path)
        out.append(path.read_bytes())
    return out


def _summary() -> pd.DataFrame:
    return pd.DataFrame({"level": ["overall"], "id": ["all"], "n_points": [2], "households": [10],
                         "population": [20]})


def test_the_workbook_of_a_rerun_is_the_same_file(tmp_path, monkeypatch):
    # summary.xlsx carried the time it was written (docProps/core.xml and every ZIP entry): two
    # runs of the same inputs differed, and an archive of quarterly runs showed changes that are not there
    first, second = _written_twice(tmp_path, monkeypatch, lambda p: spatial.write_workbook(p, _summary()), ".xlsx")
    assert first == second
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(first)) as z:
        core = z.read("docProps/core.xml").decode()
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert "<dcterms:modified xsi:type=\"dcterms:W3CDTF\">1980-01-01T00:00:00Z<" in core


def test_the_geopackage_of_a_rerun_is_the_same_file(tmp_path, monkeypatch):
    # gpkg_contents.last_change held the second it was written
    layers = {"units": _units().to_crs(4326)}
    first, second = _written_twice(tmp_path, monkeypatch, lambda p: spatial.write_layers(
        layers, p, metadata={"units": {"min_households": "300"}}), ".gpkg")  # and gpkg_metadata_reference's
    assert first == second


def test_outputs_are_dated_source_date_epoch_when_it_is_set(tmp_path, monkeypatch):
    import sqlite3
    import zipfile

    epoch = 1_764_547_200  # 2025-12-01T00:00:00Z
    _written_twice(tmp_path, monkeypatch, lambda p: spatial.write_layers({"units": _units()}, p), ".gpkg", epoch)
    _written_twice(tmp_path, monkeypatch, lambda p: spatial.write_workbook(p, _summary()), ".xlsx", epoch)
    con = sqlite3.connect(tmp_path / "run0.gpkg")
    try:
        assert con.execute("SELECT last_change FROM gpkg_contents WHERE table_name = 'units'").fetchone() == (
            "2025-12-01T00:00:00.000Z",)
    finally:
        con.close()
    with zipfile.ZipFile(tmp_path / "run0.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(2025, 12, 1, 0, 0, 0)}
        assert "2025-12-01T00:00:00Z" in z.read("docProps/core.xml").decode()


# ----------------------------------------------------------------------------- homes in no grid, named
@pytest.mark.parametrize("lang, grid_words, street_words", [("zh", "（不在任何网格）", "（不在任何街道）"),
                                                            ("en", "(in no grid)", "(in no street)")])
def test_the_workbook_names_the_homes_in_no_grid_and_no_street(tmp_path, lang, grid_words, street_words):
    # spatial coverage --grids: the 网格 sheet's row of the homes outside every grid read '(none)' in a
    # Chinese workbook, where the 社区 sheet (and the run's 网格 sheet) name them 不在任何社区/网格
    import openpyxl

    summary = pd.DataFrame({"level": ["overall", "street", "street", "grid", "grid"],
                            "id": ["all", "沙头街道", "(none)", "G1", "(none)"],
                            "n_points": [3, 2, 1, 2, 1], "households": [30, 20, 10, 20, 10]})
    path = spatial.write_workbook(tmp_path / "s.xlsx", summary, lang=lang)
    wb = openpyxl.load_workbook(path)
    sheets = {"zh": ("网格", "街道"), "en": ("grid", "street")}[lang]
    grid_rows = [r[0] for r in wb[sheets[0]].iter_rows(min_row=2, values_only=True)]
    street_rows = [r[0] for r in wb[sheets[1]].iter_rows(min_row=2, values_only=True)]
    assert grid_rows == ["G1", grid_words]
    assert street_rows == ["沙头街道", street_words]


# ----------------------------------------------------------------------------- spatial site --communities
def test_site_gives_before_and_after_per_community_as_coverage_does(tmp_path):
    # a planner siting new stations had no --communities on spatial site (spatial coverage has one):
    # homes without a community id gave one overall row of before/after, no community's
    from shapely.geometry import LineString, Point

    from spatial.cli import main

    crs = "EPSG:32650"
    gpd.GeoDataFrame(geometry=[LineString([(0, 0), (4000, 0)])], crs=crs).to_file(tmp_path / "street.gpkg")
    gpd.GeoDataFrame({"station_id": ["S1"], "name": ["一站"]}, geometry=[Point(0, 0)], crs=crs).to_file(
        tmp_path / "stations.gpkg")
    # 100 households at 0 m (walked to S1), 50 at 2,000 m and 30 at 4,000 m (beyond 15 minutes)
    gpd.GeoDataFrame({"unit_id": ["A", "B", "C"], "households": [100, 50, 30]},
                     geometry=[Point(0, 0), Point(2000, 0), Point(4000, 0)], crs=crs).to_file(tmp_path / "homes.gpkg")
    gpd.GeoDataFrame({"社区编号": ["西", "东"]}, geometry=[box(-500, -500, 1000, 500), box(1000, -500, 3000, 500)],
                     crs=crs).to_file(tmp_path / "communities.gpkg")
    code = main(["-q", "site", str(tmp_path / "street.gpkg"), str(tmp_path / "stations.gpkg"),
                 str(tmp_path / "homes.gpkg"), "--k", "1", "--no-exact", "--communities",
                 str(tmp_path / "communities.gpkg"), "--out", str(tmp_path / "s.gpkg")])
    assert code == 0
    table = gpd.read_file(tmp_path / "s.gpkg", layer="before_after")
    rows = {(r.level, r.id): (r.households, round(r.pct_before, 1), round(r.pct_after, 1))
            for r in table.itertuples()}
    # the street's nodes (the sites sited) are its two ends: the new one at 4,000 m reaches C only,
    # which lies outside both communities; B, 1,000 m beyond a 15-minute walk from either, stays out
    assert rows == {("overall", "all"): (180, 55.6, 72.2), ("community", "西"): (100, 100.0, 100.0),
                    ("community", "东"): (50, 0.0, 0.0), ("community", "(none)"): (30, 0.0, 100.0)}


# ----------------------------------------------------------------------------- empty results, typed as full ones
def _points(xy, **cols) -> gpd.GeoDataFrame:
    from shapely.geometry import Point

    return gpd.GeoDataFrame(cols, geometry=[Point(x, y) for x, y in xy], crs="EPSG:32650")


def _kept_by_concat(full: pd.DataFrame, empty: pd.DataFrame, columns) -> None:
    """An analyst's pd.concat of a full result and an empty one keeps the full one's dtypes."""
    both = pd.concat([full, empty])
    assert {c: str(both[c].dtype) for c in columns} == {c: str(full[c].dtype) for c in columns}
    assert {c: str(empty[c].dtype) for c in columns} == {c: str(full[c].dtype) for c in columns}


def test_walks_and_gaps_of_no_homes_keep_their_text_columns_text():
    # a filter that matched no home (a community with no units yet) gave band, reason, access and
    # nearest_station as objects, and a gaps layer whose note was float64: concatenated with another
    # community's result, its text columns turned into objects
    stations = _points([(0, 0)], station_id=["S1"], name=["一站"])
    homes = _points([(0, 0), (3000, 0)], unit_id=["A", "B"], households=[100, 50])
    full = spatial.walking_coverage(homes, stations, _street(), minutes=(15,))
    empty = spatial.walking_coverage(homes.iloc[:0], stations, _street(), minutes=(15,))
    assert len(empty) == 0
    _kept_by_concat(full, empty, ["band", "reason", "access", "nearest_station"])
    gaps = spatial.coverage_gaps(full, _street(), band="15min")
    none = spatial.coverage_gaps(full.iloc[:1], _street(), band="15min")  # A only: covered, no gap
    assert len(gaps) == 1 and len(none) == 0
    _kept_by_concat(gaps, none, ["gap_id", "cause", "band", "note"])


def test_siting_that_adds_no_site_keeps_site_ids_text():
    # every home already covered: sites came back with site_id float64 and the demand's new_site
    # as objects
    candidates = _points([(2000, 0)], candidate_id=["C1"])
    homes = _homes([250, 120, 80])
    full = spatial.site_stations(homes, _points([(0, 0)], station_id=["S1"]), _street(), candidates=candidates,
                                 k=1, exact=False)
    everyone = _points([(0, 0), (2000, 0), (4000, 0)], station_id=["S1", "S2", "S3"])
    none = spatial.site_stations(homes, everyone, _street(), candidates=candidates, k=1, exact=False)
    assert len(full.sites) == 1 and len(none.sites) == 0
    _kept_by_concat(full.sites, none.sites, ["site_id", "candidate_id"])
    _kept_by_concat(full.demand, none.demand.iloc[:0], ["new_site"])
    assert str(none.demand["new_site"].dtype) == str(full.demand["new_site"].dtype)
    assert none.demand["new_site"].isna().all()


# ----------------------------------------------------------------------------- the split (Dask) coverage
@pytest.fixture(scope="module")
def dask_client():
    pytest.importorskip("distributed")
    from spatial.project.distributed import make_client

    client = make_client(n_workers=1, processes=False)
    yield client
    client.close()


def _gk_town():
    """A 2 km street in CGCS2000 Gauss-Krüger zone CM 114E (EPSG:4547), a station at its west end
    and two homes by it, in two cities."""
    from shapely.geometry import Point

    from spatial.network.graph import network_from_arrays

    x0, y0 = 500_000.0, 2_496_000.0
    xs = x0 + np.arange(0, 2001, 500, dtype=float)
    net = network_from_arrays(np.c_[xs, np.full_like(xs, y0)], np.arange(len(xs) - 1), np.arange(1, len(xs)),
                              crs="EPSG:4547")
    stations = gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(x0, y0)], crs="EPSG:4547")
    homes = gpd.GeoDataFrame({"unit_id": ["A", "B"], "households": [10, 20], "city": ["甲", "乙"]},
                             geometry=[Point(x0 + 100, y0 + 10), Point(x0 + 1500, y0 + 10)], crs="EPSG:4547")
    return net, stations, homes


_ZONE = r"read in EPSG:4548 .*but on it read in EPSG:4547 .*save the layer with EPSG:4547"


@pytest.mark.parametrize("layer, said", [
    ("homes", r"^no home of the demand lies near the walking network .*"),
    ("stations", r"^no station lies within 300 m of the walking network .*"),
])
def test_the_split_coverage_refuses_a_layer_in_another_zone_as_the_plain_one_does(dask_client, layer, said):
    # homes (or stations) in CM 114E numbers saved under CM 117E's label lie 300 km east of the
    # network: the plain coverage refuses them naming EPSG:4547; the split one labelled every home
    # 'too far from network' (or sent the stations to no city's part: 'no station in its network
    # component') and reported 0% covered, exit 0
    from spatial.project.distributed import run_coverage_distributed

    net, stations, homes = _gk_town()
    layers = {"homes": homes, "stations": stations}
    layers[layer] = layers[layer].set_crs("EPSG:4548", allow_override=True)
    with pytest.raises(spatial.NetworkError, match=said + _ZONE):
        spatial.walking_coverage(layers["homes"], layers["stations"], net, minutes=(15,))
    with pytest.raises(spatial.NetworkError, match=said + _ZONE):
        run_coverage_distributed(layers["homes"], layers["stations"], net, by="city", client=dask_client, minutes=(15,))
    got = run_coverage_distributed(homes, stations, net, by="city", client=dask_client, minutes=(15,))
    assert got["walk_m"].iloc[0] == pytest.approx(110.0)  # read right: A walks 10 m to the street, 100 m along it