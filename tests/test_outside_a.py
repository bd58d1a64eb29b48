"""What an outside tester found in ``spatial coverage`` and ``spatial map``, pinned: counts typed as
text, invalid footprints, Chinese community ids, the speed and credit a map states, an unwritable
output folder, outputs of an earlier run, and no outputs left behind by a late failure."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from spatial.cli import main

UTM = "EPSG:32650"
X0, Y0 = 800_000, 2_490_000
#: A 500 m x 300 m grid of footways around eight 100 m cells.
LINES = ([LineString([(X0 - 50 + 100 * i, Y0 - 50), (X0 - 50 + 100 * i, Y0 + 250)]) for i in range(6)]
         + [LineString([(X0 - 50, Y0 - 50 + 100 * j), (X0 + 450, Y0 - 50 + 100 * j)]) for j in range(4)])
CELLS = [box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1)) for i in range(4) for j in range(2)]
#: 150 m north of the top footway: farther than --max-snap-m (100), within --max-off-network-m (300).
OFF_NETWORK = Point(X0 + 210, Y0 + 400)


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    """A line-layer network (no OSM ids), two stations, eight cells and one home off the network."""
    p = {"net": tmp_path / "roads.gpkg", "stations": tmp_path / "stations.gpkg", "units": tmp_path / "units.gpkg",
         "communities": tmp_path / "communities.gpkg"}
    gpd.GeoDataFrame({"highway": ["footway"] * len(LINES)}, geometry=LINES, crs=UTM).to_file(p["net"])
    gpd.GeoDataFrame({"station_id": ["S1", "S2"], "面积": [300.0, 200.0]},
                     geometry=[Point(X0 + 50, Y0 - 50), Point(X0 + 350, Y0 + 250)], crs=UTM).to_file(p["stations"])
    units = gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)] + ["FAR"], "households": [100.0] * 8 + [7.0]},
                             geometry=[*CELLS, OFF_NETWORK], crs=UTM)
    units.to_file(p["units"])
    gpd.GeoDataFrame({"社区编号": ["C1", "C2"], "名称": ["东", "西"]},
                     geometry=[box(X0 - 60, Y0 - 60, X0 + 200, Y0 + 500), box(X0 + 200, Y0 - 60, X0 + 460, Y0 + 500)],
                     crs=UTM).to_file(p["communities"])
    return p


def _coverage(files, out, *extra):
    return main(["-q", "coverage", str(files["net"]), str(files["stations"]), str(files["units"]),
                 "--out", str(out), "--no-isochrones", *extra])


# ---------------------------------------------------------------- 1: households typed as text


def test_households_typed_as_text_do_not_crash_coverage_after_writing(files, tmp_path, capsys):
    """'203户' and '1,203' used to crash the line on estimated walks (exit 1, after all outputs were
    written); they are read as counts, summed as numbers and written to the demand layer as numbers."""
    units = gpd.read_file(files["units"])
    units["households"] = ["1,203"] + ["100"] * 7 + ["203户"]  # the home off the network has '203户'
    units.to_file(files["units"])
    out = tmp_path / "cov.gpkg"
    assert main(["coverage", str(files["net"]), str(files["stations"]), str(files["units"]), "--out", str(out),
                 "--no-isochrones"]) == 0
    printed = capsys.readouterr()
    assert "1 unit (203 households) has an estimated walk" in printed.out
    assert "values written as text read as counts" in printed.err
    demand = gpd.read_file(out, layer="demand")
    assert demand["households"].dtype.kind == "i"  # read as numbers, written as whole counts
    assert demand["households"].sum() == 1203 + 700 + 203
    summary = pd.read_csv(tmp_path / "cov_summary.csv", encoding="utf-8-sig")
    assert summary.loc[summary.level == "overall", "households"].iloc[0] == 2106


def test_a_failure_after_the_work_leaves_none_of_the_outputs(files, tmp_path, monkeypatch, capsys):
    """A late error (here: the KMZ, written last) used to leave the GeoPackage and the CSVs of a run
    that failed; the outputs now appear together or not at all."""
    import spatial.maps.kmz

    def broken(path, layers, **kw):
        raise RuntimeError("kmz failed")

    monkeypatch.setattr(spatial.maps.kmz, "results_kmz", broken)
    out = tmp_path / "out" / "cov.gpkg"
    assert _coverage(files, out, "--kml", str(tmp_path / "out" / "cov.kmz")) == 1
    assert "internal error: RuntimeError: kmz failed" in capsys.readouterr().err
    left = list((tmp_path / "out").iterdir()) if (tmp_path / "out").exists() else []
    assert left == []


# ---------------------------------------------------------------- 4: invalid polygons


#: Two OSM building outlines of Helsinki (ids 19993762 and 19994142, EPSG:32635) that touch
#: themselves: their union stopped GEOS with "TopologyException: side location conflict".
HELSINKI = [
    Polygon([(386266.7613571256, 6673105.362398204), (386254.03719779546, 6673105.155845164),
             (386250.2605030578, 6673105.094856934), (386250.11602778855, 6673114.3824766055),
             (386225.5342921526, 6673113.987183478), (386266.7613571256, 6673105.362398204)]),
    Polygon([(386196.9512822363, 6673125.952765231), (386195.37216187466, 6673125.154882594),
             (386190.13098411233, 6673126.376481907), (386176.25631200353, 6673122.372347577),
             (386180.06409650075, 6673124.326810716), (386187.1100209819, 6673110.6232921425),
             (386225.58921110514, 6673111.466883634), (386225.5342921526, 6673113.987183478),
             (386199.92312648194, 6673126.016422721), (386196.9512822363, 6673125.952765231)]),
]


def test_a_gap_of_invalid_footprints_is_drawn_not_a_geos_crash():
    """GEOSException 'side location conflict' from the union of a gap's invalid footprints."""
    import numpy as np

    from spatial.coverage._gapshapes import gap_shapes as _gap_shapes

    geoms = np.array(HELSINKI, dtype=object)
    assert not shapely.is_valid(geoms).any()
    (shape,) = _gap_shapes(geoms, np.array([0, 2]), np.array([0]), 0.0)
    assert shape.is_valid and shape.area == pytest.approx(sum(shapely.make_valid(g).area for g in HELSINKI), rel=1e-6)


def test_invalid_unit_polygons_are_repaired_and_reported_by_coverage(files, tmp_path):
    """README: invalid geometry is repaired and reported; coverage wrote the bow-tie as it was."""
    units = gpd.read_file(files["units"])
    bowtie = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100), (X0, Y0)])
    units.loc[0, "geometry"] = bowtie
    units.to_file(files["units"])
    out = tmp_path / "cov.gpkg"
    assert _coverage(files, out) == 0
    demand = gpd.read_file(out, layer="demand")
    assert demand.is_valid.all() and len(demand) == len(units)
    report = gpd.read_file(out, layer="report")
    row = report[(report["layer"] == "demand") & (report["row_id"] == "U0")]
    assert row["problem"].str.startswith("invalid geometry: Self-intersection").any()
    assert (row["action"] == "repaired with make_valid").any()


# ---------------------------------------------------------------- 8: community ids under Chinese names


def test_coverage_finds_the_community_id_under_its_chinese_name(files, tmp_path, capsys):
    """--communities with 社区编号 was refused ('pass its name with the matching *_col option',
    an option coverage did not have); it is found as grids, run and merge find it."""
    out = tmp_path / "cov.gpkg"
    assert main(["coverage", str(files["net"]), str(files["stations"]), str(files["units"]), "--out", str(out),
                 "--no-isochrones", "--communities", str(files["communities"])]) == 0
    assert "communities: using column 社区编号 as community_id" in capsys.readouterr().out
    summary = pd.read_csv(tmp_path / "cov_summary.csv", encoding="utf-8-sig")
    rows = summary[summary.level == "community"].set_index("id")
    assert sorted(rows.index) == ["C1", "C2"]
    assert rows.loc["C1", "n_points"] == 4 and rows.loc["C2", "n_points"] == 5  # FAR lies in C2


def test_coverage_takes_community_id_col_and_checks_it_before_the_network(files, tmp_path, capsys):
    """--community-id-col names a column no rule finds; a wrong layer is refused before the network
    is read (here the network is not even an OSM file)."""
    comm = gpd.read_file(files["communities"]).rename(columns={"社区编号": "片区代号"})
    comm.to_file(files["communities"])
    broken = tmp_path / "broken.osm"
    broken.write_text("not xml")
    args = ["coverage", str(broken), str(files["stations"]), str(files["units"]), "--out", str(tmp_path / "c.gpkg"),
            "--communities", str(files["communities"])]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "communities" in err and "--community-id-col" in err and "broken.osm" not in err
    out = tmp_path / "ok.gpkg"
    assert _coverage(files, out, "--communities", str(files["communities"]), "--community-id-col", "片区代号") == 0
    summary = pd.read_csv(tmp_path / "ok_summary.csv", encoding="utf-8-sig")
    assert sorted(summary.loc[summary.level == "community", "id"]) == ["C1", "C2"]


def test_coverage_summary_takes_the_id_columns_of_communities_and_grids(files):
    """The Python coverage_summary read only 'community_id' and 'grid_id'."""
    from spatial.coverage.walks import coverage_summary

    demand = gpd.read_file(files["units"]).assign(band="5min")
    comm = gpd.read_file(files["communities"])
    grids = comm.rename(columns={"社区编号": "网格编号"})
    summary = coverage_summary(demand, bands=["5min"], communities=comm, grids=grids,
                               community_id_col="社区编号", grid_id_col="网格编号")
    assert sorted(summary.loc[summary.level == "community", "id"]) == ["C1", "C2"]
    assert sorted(summary.loc[summary.level == "grid", "id"]) == ["C1", "C2"]


# ---------------------------------------------------------------- 10: the map's speed and credit


def _osm_file(path: Path) -> Path:
    """The footway grid of LINES as an OpenStreetMap XML file (WGS-84), ways sharing their crossings."""
    xs, ys = [X0 - 50 + 100 * i for i in range(6)], [Y0 - 50 + 100 * j for j in range(4)]
    grid = gpd.GeoSeries([Point(x, y) for x in xs for y in ys], crs=UTM).to_crs(4326)
    node = {(x, y): k + 1 for k, (x, y) in enumerate((x, y) for x in xs for y in ys)}
    nodes = [f'<node id="{k + 1}" lat="{pt.y:.9f}" lon="{pt.x:.9f}"/>' for k, pt in enumerate(grid)]
    rows = [[(x, y) for y in ys] for x in xs] + [[(x, y) for x in xs] for y in ys]
    ways = [f'<way id="{1000 + k}">' + "".join(f'<nd ref="{node[c]}"/>' for c in row)
            + '<tag k="highway" v="footway"/></way>' for k, row in enumerate(rows)]
    path.write_text('<?xml version="1.0"?><osm version="0.6">' + "".join(nodes) + "".join(ways) + "</osm>")
    return path


def test_map_states_the_speed_coverage_walked_and_credits_openstreetmap(files, tmp_path, capsys):
    """After coverage --speed-kmh 3 the map said 4.0 km/h (1000 m) and gave no OSM credit."""
    osm = _osm_file(tmp_path / "walk.osm")
    out = tmp_path / "cov.gpkg"
    assert main(["-q", "coverage", str(osm), str(files["stations"]), str(files["units"]), "--out", str(out),
                 "--no-isochrones", "--speed-kmh", "3"]) == 0
    page = tmp_path / "map.html"
    assert main(["-q", "map", "--coverage", str(out), "--out", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    assert "步行速度 3.0 公里/小时计（15 分钟约 750 米）" in html
    assert "© OpenStreetMap contributors" in html
    assert main(["-q", "map", "--coverage", str(out), "--out", str(page), "--speed-kmh", "4"]) == 2
    assert "differs from the 3 km/h" in capsys.readouterr().err


def test_map_of_a_coverage_on_own_roads_credits_no_one_and_keeps_the_speed(files, tmp_path):
    """A network of the planner's own road lines is not OpenStreetMap's; the speed is still stated."""
    out = tmp_path / "cov.gpkg"
    assert _coverage(files, out, "--speed-kmh", "3") == 0
    page = tmp_path / "map.html"
    assert main(["-q", "map", "--coverage", str(out), "--out", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    assert "3.0 公里/小时" in html and "OpenStreetMap contributors" not in html


def test_map_of_an_older_coverage_file_works_the_speed_out_of_its_walks(files, tmp_path):
    """A file without the recorded speed (an older version's): walk_m over walk_min gives it."""
    out = tmp_path / "cov.gpkg"
    assert _coverage(files, out, "--speed-kmh", "3") == 0
    old = tmp_path / "old.gpkg"
    for layer in ("demand", "stations"):
        pyogrio.write_dataframe(pyogrio.read_dataframe(out, layer=layer), old, layer=layer)
    assert not pyogrio.read_info(old, layer="demand")["layer_metadata"]
    page = tmp_path / "map.html"
    assert main(["-q", "map", "--coverage", str(old), "--out", str(page)]) == 0
    assert "步行速度 3.0 公里/小时" in page.read_text(encoding="utf-8")


# ---------------------------------------------------------------- 12: an output folder one may not write in


def test_an_unwritable_out_folder_is_refused_before_any_work(files, tmp_path, monkeypatch, capsys):
    """The folder was found unwritable only after all the computing, and the message named a
    hidden temporary file and said 'free some space'."""
    folder = tmp_path / "ro"
    folder.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == folder else real(p, mode, **kw))
    broken = tmp_path / "broken.osm"
    broken.write_text("not xml")  # never read: the folder is checked first
    code = main(["coverage", str(broken), str(files["stations"]), str(files["units"]),
                 "--out", str(folder / "sub" / "cov.gpkg")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"cannot write in '{folder}{os.sep}': permission denied; choose another folder for --out" in err
    assert ".partial" not in err and "free some space" not in err


def test_a_permission_error_while_writing_names_the_output_not_the_temporary_file():
    from spatial.core.atomic import _write_error

    tmp = Path("ro2/.cov_summary.csv.4009ccda.partial.csv")
    denied = str(_write_error(tmp, PermissionError(errno.EACCES, "Permission denied")))
    assert denied.startswith("cannot write 'ro2/cov_summary.csv': permission denied")
    assert "free some space" not in denied and ".partial" not in denied
    full = str(_write_error(tmp, OSError(errno.ENOSPC, "No space left on device")))
    assert full.startswith("cannot write 'ro2/cov_summary.csv'") and "free some space" in full


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write in any folder")
def test_a_read_only_out_folder_is_refused_for_real(files, tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert _coverage(files, folder / "cov.gpkg") == 2
        assert "permission denied; choose another folder for --out" in capsys.readouterr().err
    finally:
        folder.chmod(0o755)


# ---------------------------------------------------------------- 13: outputs of an earlier run


def test_an_earlier_runs_fca_table_is_removed_not_left_beside_the_new_outputs(files, tmp_path, capsys):
    """A second run without --station-area-col left the first run's OUT_fca_by_community.csv."""
    out = tmp_path / "c.gpkg"
    assert _coverage(files, out, "--station-area-col", "面积") == 0
    fca = tmp_path / "c_fca_by_community.csv"
    assert fca.exists()
    mine = tmp_path / "c_notes.csv"
    mine.write_text("the planner's own file\n")
    bare = tmp_path / "stations_without_area.gpkg"  # (面积 itself is now found as the floor area)
    gpd.read_file(files["stations"]).drop(columns="面积").to_file(bare)
    assert main(["coverage", str(files["net"]), str(bare), str(files["units"]), "--out", str(out),
                 "--no-isochrones"]) == 0
    assert not fca.exists() and mine.exists()
    assert f"removed {fca}, written by an earlier run" in capsys.readouterr().out


# ---------------------------------------------------------------- smaller ones


def test_walking_coverage_takes_an_osmnx_graph(files):
    """walking_coverage(units, stations, G) raised AttributeError: 'MultiDiGraph' object has no attribute 'crs'."""
    import networkx as nx

    from spatial.coverage.walks import walking_coverage
    from spatial.network.read import read_network

    roads = gpd.read_file(files["net"])
    # the osmnx shape: integer node ids with x/y, both directions, split where the footways cross
    lines = shapely.get_parts(shapely.node(shapely.MultiLineString(list(roads.geometry))))
    graph, ids = nx.MultiDiGraph(crs=UTM), {}
    for line in lines:
        ends = [ids.setdefault(xy, len(ids)) for xy in (line.coords[0], line.coords[-1])]
        for node, (x, y) in zip(ends, (line.coords[0], line.coords[-1])):
            graph.add_node(node, x=x, y=y)
        graph.add_edge(ends[0], ends[1], length=line.length, highway="footway")
        graph.add_edge(ends[1], ends[0], length=line.length, highway="footway")
    units, stations = gpd.read_file(files["units"]), gpd.read_file(files["stations"])
    from_graph = walking_coverage(units, stations, graph)
    from_layer = walking_coverage(units, stations, read_network(files["net"]))
    assert from_graph["walk_m"].to_numpy() == pytest.approx(from_layer["walk_m"].to_numpy())
    with pytest.raises(ValueError, match=r"pass spatial.read_network"):
        walking_coverage(units, stations, "roads.gpkg")


def test_a_station_without_service_area_is_named_once_per_map(files, tmp_path, caplog):
    """'isochrones: 1 rows have no geometry and are not drawn (index 17)' came three times a map
    (once a band), naming a row number. A station too far from the network has no service area by
    its reason, which the map gives with the station: no warning of an empty area is said."""
    import logging

    out = tmp_path / "cov.gpkg"
    stations = gpd.read_file(files["stations"])
    far = gpd.GeoDataFrame({"station_id": ["S_FAR"], "面积": [100.0]}, geometry=[Point(X0 + 9000, Y0)], crs=UTM)
    pd.concat([stations, far], ignore_index=True).to_file(files["stations"])
    assert main(["-q", "coverage", str(files["net"]), str(files["stations"]), str(files["units"]),
                 "--out", str(out)]) == 0
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="spatial"):
        assert main(["map", "--coverage", str(out), "--out", str(tmp_path / "m.html")]) == 0
    said = [r.getMessage() for r in caplog.records if "not drawn" in r.getMessage()]
    assert said == []
    page = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert "S_FAR" in page and ("too far from network" in page or "距路网过远" in page)


def _candidates(files, tmp_path, areas):
    pts = [Point(X0 + 210, Y0 + 260), Point(X0 + 150, Y0 + 250), Point(X0 + 250, Y0 - 50)]
    path = tmp_path / "cand.gpkg"
    gpd.GeoDataFrame({"candidate_id": ["K1", "K2", "K3"], "floor_area_m2": areas}, geometry=pts,
                     crs=UTM).to_file(path)
    return ["-q", "site", str(files["net"]), str(files["stations"]), str(files["units"]), "--candidates", str(path),
            "--k", "1", "--band", "120m", "--no-exact", "--out", str(tmp_path / "s.gpkg")]


def test_the_sites_layer_has_no_stray_index_column(files, tmp_path):
    """The sites layer written by spatial site carried an 'index' column (a reset_index leftover)."""
    assert main(_candidates(files, tmp_path, [800.0, 100.0, 900.0]) + ["--min-floor-area-m2", "500"]) == 0
    sites = gpd.read_file(tmp_path / "s.gpkg", layer="sites")
    assert "index" not in sites.columns and sites["candidate_id"].tolist() == ["K3"]


def test_a_negative_floor_area_is_refused_not_left_out_as_small(files, tmp_path, capsys):
    """A candidate of -50 m² was silently 'left out (< 500)'; it is a typing error, named with its row."""
    assert main(_candidates(files, tmp_path, [800.0, -50.0, 900.0]) + ["--min-floor-area-m2", "500"]) == 2
    err = capsys.readouterr().err
    assert "'cand.gpkg' column 'floor_area_m2' must be a floor area >= 0" in err and "K2=-50" in err
    assert not (tmp_path / "s.gpkg").exists()
