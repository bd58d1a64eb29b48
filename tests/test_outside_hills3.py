"""Hill towns of Guizhou (从江, 黎平), third pass from outside: a valley town's DEM as an official
gets it (from a colleague, a survey office, a screenshot), and what the run's own papers say.

DEMs are written here with rasterio, cell by cell from a known ground; expected figures are worked
out by hand, never from the project's own objects.
"""

from __future__ import annotations

import hashlib
import json
import logging
import warnings

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine

UTM = "EPSG:32649"  # 从江 / 黎平 lie in UTM zone 49N
X0, Y0 = 320_000.0, 2_850_000.0  # about 109.2°E, 25.75°N
FOOT = 0.3048


def ground(x, climb=0.10):
    """The valley: the river at X0 + 100 m (300 m), the east bank climbing ``climb`` to a ridge."""
    return 300.0 + climb * np.clip(np.asarray(x, float) - X0 - 100, 0, None)


def write_dem(path, *, crs=UTM, scale=1.0, climb=0.10, bounds=(X0 - 200, Y0 - 200, X0 + 1200, Y0 + 200),
              cell=30.0, count=1, dtype="float32", photometric=None, driver="GTiff", nodata=-9999.0):
    """A north-up raster whose cells hold ``ground`` of their centre (UTM metres) times ``scale``,
    with its numbers in UTM 49N metres whatever ``crs`` it is labelled with (none: no CRS)."""
    left, bottom, right, top = bounds
    w, h = int(round((right - left) / cell)), int(round((top - bottom) / cell))
    z = np.broadcast_to(ground(left + (np.arange(w) + 0.5) * cell, climb) * scale, (h, w)).astype(dtype)
    extra = {"photometric": photometric} if photometric else {}
    if crs is not None:
        extra.update(crs=crs, transform=Affine(cell, 0, left, 0, -cell, top), nodata=nodata)
    with warnings.catch_warnings():  # (no CRS, no geotransform: the file made here on purpose)
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with rasterio.open(path, "w", driver=driver, width=w, height=h, count=count, dtype=dtype, **extra) as dst:
            for b in range(1, count + 1):
                dst.write(z, b)
    return path


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    """A street up the east bank: 10 edges of 100 m from the river (X0) to x = 1000 m; a station at
    the river, homes along the street, a community round them; as GeoPackages in UTM."""
    folder = tmp_path_factory.mktemp("town")
    xs = X0 + np.arange(0.0, 1001, 100)
    lines = [shapely.LineString([(a, Y0), (b, Y0)]) for a, b in zip(xs[:-1], xs[1:])]
    gpd.GeoDataFrame({"highway": ["residential"] * 10, "name": ["河岸路"] * 10}, geometry=lines,
                     crs=UTM).to_file(folder / "street.gpkg")
    gpd.GeoDataFrame({"station_id": ["S1"], "name": ["河边党群服务站"]}, geometry=[shapely.Point(X0, Y0)],
                     crs=UTM).to_file(folder / "stations.gpkg")
    hx = np.arange(50.0, 1000, 100)
    gpd.GeoDataFrame({"unit_id": [f"u{i}" for i in range(len(hx))], "households": np.full(len(hx), 10)},
                     geometry=shapely.points(np.column_stack([X0 + hx, np.full(len(hx), Y0 + 5)])),
                     crs=UTM).to_file(folder / "units.gpkg")
    gpd.GeoDataFrame({"community_id": ["C1"], "name": ["河口社区"]},
                     geometry=[shapely.box(X0 - 100, Y0 - 100, X0 + 1100, Y0 + 100)], crs=UTM).to_file(
        folder / "communities.gpkg")
    return folder


@pytest.fixture(scope="module")
def street(town):
    from spatial.network.read import read_network

    return read_network(town / "street.gpkg")


def test_the_warning_on_edges_walked_flat_says_why_and_reads_as_a_sentence(tmp_path, street, caplog):
    # the DEM stops at x = 650 m: before, the line read "4 of 10 edges have no elevation (are) and
    # no elevation: outside the DEM: 4 walked flat"
    from spatial.network.elevation import edge_times

    dem = write_dem(tmp_path / "half.tif", bounds=(X0 - 200, Y0 - 200, X0 + 650, Y0 + 200))
    with caplog.at_level(logging.WARNING, logger="spatial.network.elevation"):
        edge_times(street, dem)
    said = [r.getMessage() for r in caplog.records if "walked flat" in r.getMessage()]
    assert said == ["4 of 10 edges have no elevation (outside the DEM: 4) and are walked flat"]


@pytest.mark.parametrize("driver", ["PNG", "GTiff"])
def test_a_scanned_map_without_a_crs_is_refused_as_a_colour_image_not_told_to_set_a_crs(tmp_path, street, driver):
    # a topographic map photographed or screenshotted and saved as dem.tif: before, the line said to
    # set its CRS with gdal_edit.py; done, the next run said it is a colour image
    from spatial.core.errors import SpatialError
    from spatial.network.elevation import edge_times

    path = write_dem(tmp_path / "dem.tif", crs=None, count=3, dtype="uint8", photometric="RGB", driver=driver,
                     scale=0.5, nodata=None)
    with pytest.raises(SpatialError, match=r"dem\.tif is a colour image \(RGB bands\), not elevations; give a DEM "
                                           r"GeoTIFF of heights \(one band\)"):
        edge_times(street, path)


def test_a_dem_in_the_town_s_utm_metres_labelled_wgs84_names_the_crs_its_numbers_fit(tmp_path, street):
    # exported from the survey office's software in UTM 49N metres, written with EPSG:4326: before,
    # only "does not cover the network ... give a DEM of the study area"
    from spatial.core.errors import SpatialError
    from spatial.network.elevation import edge_times

    path = write_dem(tmp_path / "dem.tif", crs="EPSG:4326")
    with pytest.raises(SpatialError, match=r"dem\.tif does not cover the network: .*; its numbers are not degrees, "
                                           r"though its CRS \(WGS 84\) is in degrees; read in the network's CRS, "
                                           r"EPSG:32649 \(WGS 84 / UTM zone 49N\), they cover it: if so set that CRS "
                                           r"\(gdal_edit\.py -a_srs EPSG:32649 dem\.tif\)"):
        edge_times(street, path)
    # written in the next zone's CRS (48N): its numbers are metres, but not of that zone
    path = write_dem(tmp_path / "zone48.tif", crs="EPSG:32648")
    with pytest.raises(SpatialError, match=r"zone48\.tif does not cover the network: .*; its numbers may not be in "
                                           r"its CRS \(WGS 84 / UTM zone 48N\): read in the network's CRS, EPSG:32649"):
        edge_times(street, path)
    # a DEM of another town (黎平, 50 km away) is still told to give one of the study area
    far = write_dem(tmp_path / "liping.tif", bounds=(X0 + 50_000, Y0, X0 + 52_000, Y0 + 2000))
    with pytest.raises(SpatialError, match=r"liping\.tif does not cover the network: .*; give a DEM of the study "
                                           r"area$"):
        edge_times(street, far)


def test_a_dem_in_feet_it_does_not_declare_is_said_in_the_dem_row(tmp_path, street):
    # the town at 300-363 m read as 984-1,191 "m": the 7% street climbs 23% and nothing said so
    from spatial.network.elevation import edge_times

    feet = edge_times(street, write_dem(tmp_path / "feet.tif", scale=1 / FOOT, climb=0.07))
    row = feet.report.iloc[0]
    assert ("the streets' median slope is 23%, as steep as the steepest hill towns' (their streets mostly climb "
            "under 20%; stepped lanes and village paths up a valley side more): if the town is that steep, nothing "
            "is wrong; if not, the heights may be feet (984–1,191 read as metres; in metres 300–363 m): "
            "gdal_edit.py -scale 0.3048 feet.tif and run again") in row["problem"]
    assert "高程单位可能是英尺" in row["problem_zh"] and "gdal_edit.py -scale 0.3048 feet.tif" in row["problem_zh"]
    # the same DEM in metres, or with its unit declared, says nothing of feet
    for path in (write_dem(tmp_path / "metres.tif", climb=0.07),
                 write_dem(tmp_path / "ft.tif", scale=1 / FOOT, climb=0.07)):
        if path.name == "ft.tif":
            with rasterio.open(path, "r+") as dst:
                dst.units = ("ft",)
        assert "feet (" not in edge_times(street, path).report.iloc[0]["problem"]


@pytest.fixture(scope="module")
def hill_run(town, tmp_path_factory):
    """``spatial run`` of the town with its DEM (metres), overview.png's figures caught."""
    import spatial.maps.static as static
    from spatial.cli import main

    write_dem(town / "dem.tif")
    (town / "p.toml").write_text(
        '[project]\nname = "丙妹镇 山地试算"\noutput = "out"\n'
        '[inputs]\nnetwork = "street.gpkg"\nunits = { path = "units.gpkg", households_col = "households" }\n'
        'stations = "stations.gpkg"\ncommunities = "communities.gpkg"\n[grids]\nenabled = false\n'
        '[coverage]\nminutes = [5, 10, 15]\nspeed_kmh = 3.0\ndem = "dem.tif"\n'
        '[outputs]\nmaps = false\nworkbook = false\npng = true\nkml = false\n', encoding="utf-8")
    caught = {}

    def fake_png(path, **kwargs):
        caught.update(kwargs)
        path.write_bytes(b"png")
        return path

    mp = pytest.MonkeyPatch()
    mp.setattr(static, "overview_png", fake_png)
    try:
        assert main(["run", str(town / "p.toml")]) == 0
    finally:
        mp.undo()
    return town / "out", caught


def test_the_run_log_keeps_the_checksum_of_the_dem_the_walks_were_timed_on(town, hill_run):
    # before: the DEM was only a parameter's path; a DEM re-downloaded (or the one in feet) gave
    # other walks with no trace in run_log.json's input checksums
    out, _ = hill_run
    log = json.loads((out / "run_log.json").read_text(encoding="utf-8"))
    assert log["inputs"]["dem"]["path"] == str((town / "dem.tif").resolve())
    assert log["inputs"]["dem"]["sha256"] == hashlib.sha256((town / "dem.tif").read_bytes()).hexdigest()


def test_readme_and_overview_png_say_the_minutes_are_on_the_slopes(hill_run):
    # before: "15分钟内 ..." with no word of the slopes, as a flat run says it, in README.txt and
    # under overview.png's title (forwarded on their own in WeChat); only the HTML maps said it
    out, caught = hill_run
    line = ("步行时间计入坡度（高程 dem.tif，100.0% 的路段有高程）：平地 3 公里/小时，坡上按 Tobler 坡度模型，"
            "台阶 ×1.67，从住处算到服务站。")
    readme = (out / "README.txt").read_text(encoding="utf-8-sig").splitlines()
    assert line in readme
    assert line in caught["figures"]


def test_the_english_headline_says_the_same(hill_run):
    from spatial.project._headline import figures

    class Dem:  # what the run keeps of its DEM: its file, share of edges and steps factor
        source, share, steps_factor = "/data/从江/dem.tif", 0.862, 5 / 3

    summary = gpd.pd.DataFrame({"level": ["overall"], "id": ["all"], "households": [100.0], "hh_15min": [50.0],
                                "pct_hh_15min": [50.0]})
    speed = {"parameters": {"coverage": {"speed_kmh": 4.0}}}
    got = figures({"coverage_summary": summary, "dem": Dem()}, speed, "en")
    assert got[-1] == ("Walk times on the slopes (DEM dem.tif, elevations on 86.2% of edges): 4 km/h on the flat, "
                       "Tobler's hiking function on slopes, steps ×1.67, from home to station.")
    # distance bands stay distances: nothing said of slopes under them
    metres = summary.rename(columns={"hh_15min": "hh_1000m", "pct_hh_15min": "pct_hh_1000m"})
    assert not any("slope" in x for x in figures({"coverage_summary": metres, "dem": Dem()}, {}, "en"))


def test_a_steep_street_in_feet_is_not_told_only_that_its_heights_are_decimetres(tmp_path, street):
    # the 10% street read in feet climbs 33%: before, the line said decimetres (-scale 0.1), which
    # makes it 3.3%, a third of the real slope, with no word of feet
    from spatial.core.errors import SpatialError
    from spatial.network.elevation import edge_times

    with pytest.raises(SpatialError) as err:
        edge_times(street, write_dem(tmp_path / "feet.tif", scale=1 / FOOT))
    assert str(err.value).endswith(
        "feet.tif gives the streets a median slope of 33% (the steepest towns' are under 20%): its heights are not "
        "metres; if they are feet (gdal_edit.py -scale 0.3048 feet.tif: 300–390 m) or decimetres (gdal_edit.py "
        "-scale 0.1 feet.tif: 98–128 m), set the band's scale so, or give a DEM in metres")
