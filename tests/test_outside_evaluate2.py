"""What an outside user of plan scoring and coverage maps met, pinned: grid outlines alone given
to ``spatial grids --evaluate`` were told to name a households column they do not have, and a
coverage map refused stations scored under their own id column (``station_id_col="sid"``) with
no ``name`` until ``name_col`` was passed."""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from spatial.cli import main
from spatial.core.errors import ColumnError
from spatial.coverage.walks import walking_coverage
from spatial.maps.interactive import coverage_map
from spatial.network.graph import network_from_arrays

UTM = "EPSG:32650"


# ---------------------------------------------------------------- 2: 网格边界 outlines scored alone


@pytest.fixture
def outlines(tmp_path):
    """Two grid outlines (grid_id only, no households) and their community, as files."""
    grids = gpd.GeoDataFrame({"grid_id": ["G1", "G2"]}, geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)],
                             crs=UTM)
    grids.to_file(tmp_path / "outlines.gpkg")
    gpd.GeoDataFrame({"community_id": ["C"]}, geometry=[box(0, 0, 200, 100)], crs=UTM).to_file(tmp_path / "comm.gpkg")
    return tmp_path


def test_outlines_alone_are_told_to_score_the_units_inside_them(outlines, capsys):
    out = outlines / "scores.gpkg"
    assert main(["grids", str(outlines / "comm.gpkg"), "--evaluate", str(outlines / "outlines.gpkg"),
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1  # one line, naming the file and the working form with the user's own files
    assert "'outlines.gpkg' has no households column" in err[0]
    assert "spatial grids comm.gpkg UNITS --existing outlines.gpkg --evaluate" in err[0]
    assert not out.exists()


def test_outlines_alone_without_communities_name_the_form_too(outlines, capsys):
    assert main(["grids", "--evaluate", str(outlines / "outlines.gpkg"), "--out", str(outlines / "s.gpkg")]) == 2
    assert "spatial grids COMMUNITIES UNITS --existing outlines.gpkg --evaluate" in capsys.readouterr().err


def test_units_without_households_are_still_told_to_name_the_column(outlines, capsys):
    """Units with their grids (grid ids repeat) are not outlines: the column advice stays."""
    units = gpd.GeoDataFrame({"grid_id": ["G1", "G1"]}, geometry=[box(0, 0, 50, 100), box(50, 0, 100, 100)], crs=UTM)
    units.to_file(outlines / "units.gpkg")
    assert main(["grids", "--evaluate", str(outlines / "units.gpkg"), "--out", str(outlines / "s.gpkg")]) == 2
    err = capsys.readouterr().err
    assert "--households-col" in err and "--existing" not in err


# ---------------------------------------------------------------- 3: stations scored under their own id column


@pytest.fixture(scope="module")
def walked():
    """A 1 km street, stations A (west end) and B (east end) under the id column ``sid``, no names."""
    xs = np.arange(0.0, 1001.0, 100.0)
    net = network_from_arrays(np.column_stack([xs, np.zeros_like(xs)]), list(range(10)), list(range(1, 11)), crs=UTM)
    stations = gpd.GeoDataFrame({"sid": ["A", "B"], "kind": ["站", "站"]}, geometry=[Point(0, 0), Point(1000, 0)],
                                crs=UTM)
    homes = gpd.GeoDataFrame({"unit_id": ["h1", "h2"], "households": [10, 20]},
                             geometry=[Point(100, 5), Point(900, 5)], crs=UTM)
    return walking_coverage(homes, stations, net, meters=(300, 1000), station_id_col="sid"), stations


def test_walks_record_their_station_id_column(walked):
    walks, _ = walked
    assert walks.attrs["station_id_col"] == "sid"
    assert sorted(walks["nearest_station"]) == ["A", "B"]


def test_coverage_map_labels_unnamed_stations_by_the_walks_id_column(walked):
    walks, stations = walked
    m = coverage_map(walks, stations)
    assert isinstance(m, folium.Map)
    page = m.get_root().render()
    assert '"sid":["A","B"]' in page  # the stations' labels are their ids


def test_coverage_map_finds_the_id_column_of_walks_read_back_without_attrs(walked):
    """Walks written to a file and read back keep no attrs: the column holding every
    nearest_station id is the stations' id."""
    walks, stations = walked
    bare = walks.copy()
    bare.attrs = {}
    assert isinstance(coverage_map(bare, stations), folium.Map)


def test_coverage_map_names_the_option_when_no_id_column_is_found(walked):
    walks, stations = walked
    bare = walks.copy()
    bare.attrs = {}
    other = stations.assign(sid=["X", "Y"])  # ids the walks never name
    with pytest.raises(ColumnError, match=r"no column 'name'.*pass the column naming the stations with the name_col option"):
        coverage_map(bare, other)


# ---------------------------------------------------------------- 1: a few units in a detailed outline


def test_few_units_in_a_detailed_outline_are_clipped_on_threads_with_the_same_pieces(monkeypatch):
    """Tokyo's 262 wards in their 5,436-point union took 0.47 s to clip on one thread: the work
    is the outline's points, not the units' count. Split over threads, each unit's piece is the
    one it gets alone."""
    import shapely

    from spatial.core.checks import Report
    from spatial.grids import _units

    monkeypatch.setattr(_units, "THREADS", 2)
    turn = np.linspace(0, 2 * np.pi, 100_000, endpoint=False)
    outline = shapely.Polygon(np.column_stack([1000 * np.cos(turn), 1000 * np.sin(turn)]))  # 100,001 points
    geoms = np.array([box(x, -50, x + 100, 50) for x in (-1050, -500, 0, 500)], dtype=object)
    comms = np.array([outline] * 4, dtype=object)
    assert len(_units._clip_parts(geoms, comms)) == 2  # by rows alone (under 2,048 units): one
    cut = _units._clip(geoms, comms, np.array(list("abcd")), Report(), set())
    alone = [shapely.intersection(g, outline) for g in geoms]
    assert all(shapely.equals_exact(a, b, tolerance=0) for a, b in zip(cut, alone))
    assert shapely.area(cut[0]) < 100 * 100 and shapely.area(cut[2]) == pytest.approx(100 * 100)
