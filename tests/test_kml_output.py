"""Grids, stations, gaps and sites for a grid worker's map app (奥维互动地图, Google Earth): one KMZ,
a folder per layer, each placemark named and described in plain words. Checked by parsing the
KML with the standard library, not with the reader that pairs with the writer."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

from spatial import SpatialError
from spatial.cli import main
from spatial.io.kml import write_kml

NS = {"k": "http://www.opengis.net/kml/2.2"}
COORDS = "{http://www.opengis.net/kml/2.2}coordinates"
UTM = "EPSG:32650"
X0, Y0 = 800_000, 2_490_000


def _folders(path):
    """{folder name: [(placemark name, description, coordinates text)]} from a KMZ's doc.kml."""
    with zipfile.ZipFile(path) as z:
        assert z.namelist() == ["doc.kml"]
        root = ET.fromstring(z.read("doc.kml"))
    out = {}
    for doc in root.iter(f"{{{NS['k']}}}Document"):
        name = doc.find("k:name", NS)
        if name is None:
            continue
        out[name.text] = [(p.findtext("k:name", namespaces=NS), p.findtext("k:description", namespaces=NS),
                           " ".join(" ".join(c.text.split()) for c in p.iter(COORDS)))
                          for p in doc.findall("k:Placemark", NS)]
    return out


def test_layers_become_named_described_folders_in_wgs84(tmp_path):
    grids = gpd.GeoDataFrame({"grid_id": ["G1", "G2"], "households": [412, 388.0], "note": [None, "新建"]},
                             geometry=[box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 100, Y0, X0 + 200, Y0 + 100)],
                             crs=UTM)
    stations = gpd.GeoDataFrame({"name": ["甲站"]}, geometry=[Point(X0 + 50, Y0 + 50)], crs=UTM)
    path = write_kml({"网格": grids, "党群服务站": stations, "空": stations.iloc[:0]}, tmp_path / "a.kmz",
                     names={"网格": "grid_id", "党群服务站": "name"}, fields={"网格": ["households", "note"]},
                     labels={"households": "户数", "note": "备注"})
    folders = _folders(path)
    assert list(folders) == ["网格", "党群服务站"]  # the empty layer is left out
    (n1, d1, c1), (n2, d2, _) = folders["网格"]
    assert (n1, d1, n2, d2) == ("G1", "户数: 412", "G2", "户数: 388<br>\n备注: 新建")
    lonlat = np.array([[float(v) for v in xyz.split(",")[:2]] for xyz in c1.split()])
    expect = shapely.get_coordinates(grids.to_crs(4326).geometry.iloc[0])
    assert np.abs(lonlat - expect).max() < 1e-9  # WGS-84, to a tenth of a millimetre
    assert folders["党群服务站"][0][0] == "甲站"


def test_kml_text_and_bad_paths(tmp_path):
    stations = gpd.GeoDataFrame({"name": ["甲站"]}, geometry=[Point(114.05, 22.54)], crs=4326)
    path = write_kml({"站": stations}, tmp_path / "a.kml")
    assert ET.parse(path).getroot().tag == f"{{{NS['k']}}}kml"
    with pytest.raises(SpatialError, match="writes .kml or .kmz files; name the file"):
        write_kml({"站": stations}, tmp_path / "a.gpkg")
    with pytest.raises(SpatialError, match=r"nothing to write, every layer is empty \(站\)"):
        write_kml({"站": stations.iloc[:0]}, tmp_path / "b.kmz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.kml"]  # nothing half-written left


def test_spatial_run_writes_the_kmz_a_grid_worker_opens(tmp_path):
    from test_project import GRIDS_ONLY, TOWN_INPUTS, project_file, three_grid_town

    three_grid_town(tmp_path)
    project_file(tmp_path, "kml", TOWN_INPUTS, "[grids]\nmin_households = 300\nmax_households = 500\n" + GRIDS_ONLY
                 + "kml = true\n")
    assert main(["-q", "run", str(tmp_path / "p.toml")]) == 0
    folders = _folders(tmp_path / "out" / "results.kmz")
    grids = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="grids")
    assert list(folders) == ["网格"] and sorted(n for n, _, _ in folders["网格"]) == sorted(grids["grid_id"])
    described = {n: d for n, d, _ in folders["网格"]}
    first = grids.iloc[0]
    assert f"户数: {first['households']}" in described[first["grid_id"]]
    assert "专职网格员（人）: 1" in described[first["grid_id"]]


def test_grids_and_coverage_commands_write_a_kmz_beside_the_geopackage(tmp_path):
    from shapely.geometry import LineString

    cells = [box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1)) for i in range(4) for j in range(2)]
    gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "community_id": "C1", "households": [100] * 8},
                     geometry=cells, crs=UTM).to_file(tmp_path / "u.gpkg")
    gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)],
                     crs=UTM).to_file(tmp_path / "c.gpkg")
    assert main(["-q", "grids", str(tmp_path / "c.gpkg"), str(tmp_path / "u.gpkg"), "--min", "300", "--max", "500",
                 "--out", str(tmp_path / "g.gpkg"), "--kml", str(tmp_path / "网格.kmz")]) == 0
    grids = gpd.read_file(tmp_path / "g.gpkg", layer="grids")
    assert sorted(n for n, _, _ in _folders(tmp_path / "网格.kmz")["网格"]) == sorted(grids["grid_id"])
    lines = [LineString([(X0 + 100 * i, Y0), (X0 + 100 * i, Y0 + 200)]) for i in range(5)]
    lines += [LineString([(X0, Y0 + 100 * j), (X0 + 400, Y0 + 100 * j)]) for j in range(3)]
    gpd.GeoDataFrame({"highway": ["footway"] * len(lines)}, geometry=lines, crs=UTM).to_file(tmp_path / "n.gpkg")
    gpd.GeoDataFrame({"station_id": ["S1"], "name": ["甲站"]}, geometry=[Point(X0 + 100, Y0 + 100)],
                     crs=UTM).to_file(tmp_path / "s.gpkg")
    assert main(["-q", "coverage", str(tmp_path / "n.gpkg"), str(tmp_path / "s.gpkg"), str(tmp_path / "u.gpkg"),
                 "--minutes", "1,2", "--out", str(tmp_path / "cov.gpkg"), "--kml", str(tmp_path / "站.kmz")]) == 0
    folders = _folders(tmp_path / "站.kmz")
    assert folders["党群服务站"][0][0] == "甲站" and "站点编号: S1" in folders["党群服务站"][0][1]
    assert "覆盖盲区" in folders  # units beyond a 2-minute walk (about 130 m) form gaps
    # a wrong suffix is refused before any work, and nothing is written
    assert main(["-q", "grids", str(tmp_path / "c.gpkg"), str(tmp_path / "u.gpkg"), "--out", str(tmp_path / "g2.gpkg"),
                 "--kml", str(tmp_path / "网格.gpkg")]) == 2
    assert not (tmp_path / "g2.gpkg").exists()


def test_the_demo_writes_a_kmz_of_its_grids_stations_gaps_and_sites(demo_outputs):
    out = {p.name: p for p in demo_outputs}
    folders = _folders(out["results.kmz"])
    assert list(folders) == ["网格", "党群服务站", "覆盖盲区", "建议新站点"]
    for folder, layer in (("网格", "grids"), ("党群服务站", "stations"), ("建议新站点", "sites")):
        assert len(folders[folder]) == len(gpd.read_file(out["results.gpkg"], layer=layer))
    assert all("户数: " in d for _, d, _ in folders["网格"])
    # a gap where nobody lives (a park, road land beyond 15 minutes: 0 households, no rank) is no gap to
    # walk to: no placemark (until 8 December 2026 the demo's 15 such were, 49 placemarks for 34 gaps)
    gaps = gpd.read_file(out["results.gpkg"], layer="gaps")
    lived = gaps[gaps["households"] > 0]
    assert (gaps["households"] == 0).any()
    assert sorted(d.split("<br>")[0] for _, d, _ in folders["覆盖盲区"]) == sorted(f"盲区编号: {g}" for g in lived["gap_id"])


def test_a_column_holding_the_end_of_a_cdata_section_is_written_as_it_reads(tmp_path):
    # LIBKML wraps a column's text in <![CDATA[...]]> as it is: a station noted 'a]]>b' ended the
    # section early and the KMZ was no XML at all ("not well-formed"). Read back, every value is
    # as given, and '<', '&' still pass.
    import pyogrio

    stations = gpd.GeoDataFrame({"station_id": ["S1", "S2"], "note": ["a]]>b", "<见> & ]]"], "n": [1, 2]},
                                geometry=[Point(114.0, 22.5), Point(114.1, 22.5)], crs=4326)
    path = write_kml({"stations": stations}, tmp_path / "s.kmz", fields={"stations": ["note", "n"]})
    ET.fromstring(zipfile.ZipFile(path).read("doc.kml"))  # well-formed
    back = pyogrio.read_dataframe(path)
    assert back["note"].tolist() == ["a]]>b", "<见> & ]]"]
    assert back["description"].tolist()[0].startswith("note: a]]&gt;b")
