"""Specification: today's changes as their users meet them (the fourth outside review).

- What the report says of a grid in its popup and placemark (说明), on the plans a user makes with
  the command line: a plan's GeoPackage stores its report in English; a redraw that draws a
  community again names the grids it could not bring into the band in one row (``B、A-a``); an
  evaluation's rows reach its KMZ and map; a Chinese sentence takes the popup's width on a phone.
- ``README.txt``'s line on the shapefiles.
- Hill towns: heights in decimetres of a town at 1,000 m (DEM or a graphml's nodes), and DEM tiles
  given before the inputs.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest
import rasterio
from shapely.geometry import box

from spatial.cli import main
from test_grid_map_notes import popups as _popup_notes  # grid id -> note, read from a saved map
from test_maps_browser import browser  # noqa: F401  (one headless Chromium, as the map tests open it)


def _redrawn_with_a_lock(tmp_path):
    """Units u1..u4 of 100, 120, 90 and 110 households in a row, grids A = u1-u3 (310, over
    150-250) and B = u4 (110, under), u3 locked: the chains cannot pass u3, so the redraw draws
    the community again (A = u3, u4: 200; A-a = u1, u2: 220) with one row on "B、A-a"."""
    units = gpd.GeoDataFrame({"unit_id": ["u1", "u2", "u3", "u4"], "community_id": "C1",
                              "households": [100, 120, 90, 110], "grid_id": ["A", "A", "A", "B"]},
                             geometry=[box(50 * i, 0, 50 * (i + 1), 100) for i in range(4)], crs="EPSG:32650")
    community = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(0, 0, 200, 100)], crs="EPSG:32650")
    units.to_file(tmp_path / "units.gpkg", layer="units")
    community.to_file(tmp_path / "comm.gpkg", layer="communities")
    pd.DataFrame({"unit_id": ["u3"]}).to_csv(tmp_path / "lock.csv", index=False)
    out = tmp_path / "redrawn.gpkg"
    assert main(["-q", "grids", str(tmp_path / "comm.gpkg"), str(tmp_path / "units.gpkg"), "--min", "150",
                 "--max", "250", "--redraw", "--lock", str(tmp_path / "lock.csv"), "--out", str(out),
                 "--kml", str(tmp_path / "redrawn.kmz")]) == 0
    return out


def test_a_chinese_map_of_a_plan_file_writes_its_english_report_rows_as_english(tmp_path):
    # 'spatial map --grids plan.gpkg' (Chinese by default) read the English report layer and joined
    # each row with a Chinese full stop: "held 310 households > 250。split; new grid A-a". (A file
    # written since December 2026 keeps its rows' Chinese, and its map says them in Chinese:
    # tests/test_outside_planner3.py; here the report layer of a file written before that.)
    import pyogrio

    plan = _redrawn_with_a_lock(tmp_path)
    pyogrio.write_dataframe(pyogrio.read_dataframe(plan, layer="report", read_geometry=False), plan, layer="report")
    html = tmp_path / "grids.html"
    assert main(["-q", "map", "--grids", str(plan), "--out", str(html)]) == 0
    said = _popup_notes(html)
    assert said["A"].startswith("held 310 households > 250. Split; new grid A-a")
    assert not any("。" in v for v in said.values() if v)


def test_a_row_on_several_grids_shows_in_each_of_their_popups_and_placemarks(tmp_path):
    # the redraw's row "B、A-a: out of the band ... drawn again all together" matched no grid id, so
    # grid A-a (220 households, all of them units moved) said nothing of why it was drawn
    plan = _redrawn_with_a_lock(tmp_path)
    html = tmp_path / "grids.html"
    assert main(["-q", "map", "--grids", str(plan), "--out", str(html), "--lang", "en"]) == 0
    said = _popup_notes(html)
    again = "out of the band, and no chain of neighbours or split brought it in. The community's grids drawn again"
    assert said["A-a"].startswith(again)
    assert said["A"] == "held 310 households > 250. Split; new grid A-a"
    from spatial import read_layer

    placemarks = read_layer(tmp_path / "redrawn.kmz").set_index("Name")["description"]
    assert "说明: 户数不在区间内，相邻网格依次调整或拆分都无法解决。社区内网格整体重划" in placemarks["A-a"]


def test_an_evaluation_writes_its_kml_and_maps_with_its_report_rows(tmp_path):
    # 'spatial grids --evaluate PLAN --kml grids.kmz' said nothing and wrote no KMZ; and
    # 'spatial map --grids scores.gpkg' refused the evaluation ("has no layer 'grids'"), so its rows
    # (A: 200 households, 4.8% under the mean 210, rule 2%) were in no popup
    plan = _redrawn_with_a_lock(tmp_path)
    scores, kmz = tmp_path / "scores.gpkg", tmp_path / "scores.kmz"
    assert main(["-q", "grids", "--evaluate", str(plan), str(tmp_path / "comm.gpkg"), "--min", "150", "--max", "250",
                 "--max-deviation", "2", "--out", str(scores), "--kml", str(kmz)]) == 0
    from spatial import read_layer

    placemarks = read_layer(kmz).set_index("Name")["description"]
    assert sorted(placemarks.index) == ["A", "A-a"]
    assert "说明: 200 户，低于所在社区网格平均户数 210 达 4.8%（规则：偏差不超过 2%）。" in placemarks["A"]
    assert "四至: 东至辖区边界，南至辖区边界，西至A-a网格，北至辖区边界" in placemarks["A"]
    html = tmp_path / "scores.html"
    assert main(["-q", "map", "--grids", str(scores), "--out", str(html), "--lang", "en"]) == 0
    said = _popup_notes(html)
    assert said["A"].startswith("has 200 households, 4.8% under its community's mean grid of 210 (rule: within 2%). "
                                "Move units by hand")
    assert said["A-a"].startswith("has 220 households, 4.8% over")


def test_the_readme_names_the_shapefiles_in_one_sentence_and_says_to_send_the_folder(tmp_path):
    # "Layers as shapefiles (for older GIS software). (grids.shp, units.shp)" and in Chinese
    # "…（旧版 GIS 软件用）。 (grids.shp, units.shp)": a stop, then the names; and a grids.shp
    # forwarded alone in WeChat opens as nothing
    from spatial.project._readme import write_readme

    files = [tmp_path / n for n in ("run_log.json", "shapefile/grids.shp", "shapefile/units.shp")]
    for lang, want in (("zh", "Shapefile 格式的图层（旧版 GIS 软件用）：grids.shp、units.shp；转发时要整个文件夹一起发"),
                       ("en", "Layers as shapefiles for older GIS software: grids.shp, units.shp; send the whole "
                              "folder")):
        text = write_readme(tmp_path, files, title="t", figures=[], lang=lang).read_text(encoding="utf-8-sig")
        line = next(t for t in text.splitlines() if t.startswith("  shapefile/"))
        assert line.split(None, 1)[1].startswith(want)
        assert ". (" not in line and "。 (" not in line


def test_a_chinese_sentence_of_44_characters_takes_the_popup_s_width_on_a_phone(browser, tmp_path):
    # the value column of a grid's popup is 110 px at 390 px wide: eight Chinese characters a line.
    # A note of 44 (under the 60 characters counted alike for Latin and Chinese) stood there in six
    # lines; a Chinese character is as wide as two Latin ones
    from spatial import grid_map, save_map
    from test_maps_browser import click, open_map

    grids = gpd.GeoDataFrame({"grid_id": ["G1"], "community_id": ["C1"], "households": [230]},
                             geometry=[box(0, 0, 300, 300)], crs="EPSG:32650")
    note = "230 户 > 250：相邻网格依次调整也容纳不下，附近也没有可拆分的网格"
    notes = pd.DataFrame({"layer": ["grids"], "row_id": ["G1"], "problem": ["x"], "action": ["kept"],
                          "problem_zh": [note], "action_zh": ["保持超出区间"]})
    said = f"{note}。保持超出区间"
    assert len(said) == 44
    path = save_map(grid_map(grids, notes=notes, lang="zh", min_households=150, max_households=250),
                    tmp_path / "g.html")
    map_id = open_map(browser, path, (390, 844))
    at = grids.to_crs(4326).geometry.iloc[0].representative_point()
    assert click(browser, map_id, at.y, at.x) is not None
    wide = browser.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-popup tr.sp-wide')).map("
        "r => [r.querySelector('b').textContent, r.querySelector('div').textContent])")
    assert wide == [["说明", said]]
    # a short value stays beside its label
    assert browser.execute_script("return Array.from(document.querySelectorAll('.leaflet-popup tr:not(.sp-wide) th'))"
                                  ".map(t => t.textContent)")[:1] == ["户数"]


def test_a_decimetre_dem_of_a_town_at_1000_m_is_not_told_to_take_a_scale_of_centimetres(tmp_path, capsys):
    # a town at 1,000-1,100 m (贵阳, 昆明 are higher) in an int16 DEM of decimetres: every height,
    # 10,000 and more, reads 'above 9000 m', and the one line said "if they are centimetres set the
    # band's scale (gdal_edit.py -scale 0.01)": done so, the heights read 100-110 m and every slope
    # a tenth of the street's (its 10% walked at 1%), with no further word
    from test_outside_hills2 import X0, Y0, climb_10, dem_file, write_street_files

    xy = [(X0 + 100.0 * i, Y0 + 30.0 * i) for i in range(11)]
    args = write_street_files(tmp_path, xy)
    dem = dem_file(tmp_path / "dem_dm.tif", lambda x, y: (climb_10(x, y) + 800.0) * 10, dtype="int16", nodata=-32768,
                   bounds=(X0 - 300, Y0 - 300, X0 + 1200, Y0 + 600))
    with rasterio.open(dem) as src:
        over = src.read(1)
    assert over.min() > 9000 and over.max() < 11_300
    out = tmp_path / "out.gpkg"
    assert main(["coverage", *args, "--out", str(out), "--dem", str(dem)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    highest = float(re.search(r"holds heights up to (\d+) over the network", err[0]).group(1))
    assert 10_000 < highest < 11_300
    assert f"decimetres (gdal_edit.py -scale 0.1 dem_dm.tif: up to {highest / 10:,.0f} m)" in err[0]
    assert f"centimetres (gdal_edit.py -scale 0.01 dem_dm.tif: up to {highest / 100:,.0f} m)" in err[0]
    assert not out.exists()


def test_heights_that_cannot_be_decimetres_are_told_centimetres_only():
    from spatial.network.elevation import _scale_hint

    # 250,000 read as decimetres would be 25,000 m: no land is so high
    assert _scale_hint(250_000.0, "set the band's scale", lambda k: f"-scale {1 / k:g}") == (
        "if they are centimetres (-scale 0.01: up to 2,500 m), set the band's scale")


def test_node_elevations_of_decimetres_are_told_so_not_nodata_over_the_study_area():
    # a .graphml whose nodes took their 'elevation' from a DEM of decimetres (osmnx samples the raw
    # cells): a town at 1,000-1,100 m said "gives no elevation to any edge of the network (nodata
    # over the whole study area?)"; the DEM file itself was told its heights are not metres
    import networkx as nx

    from spatial.core.errors import SpatialError
    from spatial.network.elevation import edge_times
    from test_outside_hills2 import X0, Y0, line_net

    net = line_net([(X0 + 100.0 * i, Y0) for i in range(11)])
    graph = nx.Graph()
    for i, (x, _) in zip(net.node_id, net.node_xy):
        graph.add_node(str(i), elevation=(1000 + 0.1 * (x - X0)) * 10)  # 10,000 ... 11,000
    with pytest.raises(SpatialError, match=r"gives the nodes heights up to 11000, read as metres .* not metres; "
                                           r"if they are decimetres \(by 10: up to 1,100 m\) or centimetres "
                                           r"\(by 100: up to 110 m\), divide the nodes' 'elevation'"):
        edge_times(net, graph)


@pytest.mark.parametrize("command", ["coverage", "site"])
def test_two_dem_tiles_before_the_inputs_are_told_to_be_merged_not_that_the_homes_are_unrecognized(
        tmp_path, capsys, command):
    # 'spatial coverage --dem N25E10*.tif street.gpkg stations.gpkg homes.gpkg': argparse took the
    # second tile for the network and said "unrecognized arguments: homes.gpkg"
    from test_outside_hills2 import X0, Y0, dem_file, write_street_files

    args = write_street_files(tmp_path, [(X0 + 100.0 * i, Y0) for i in range(11)])
    tiles = [str(dem_file(tmp_path / name)) for name in ("N25E108.tif", "N25E109.tif")]
    more = ["--k", "1"] if command == "site" else []
    assert main([command, "--dem", *tiles, *args, "--out", str(tmp_path / "out.gpkg"), *more]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "--dem is given 2 files" in err[0] and f"rio merge {tiles[0]} {tiles[1]} dem_merged.tif" in err[0]
    assert "homes.gpkg" not in err[0]


def test_each_row_of_a_chinese_map_is_joined_in_the_language_it_reads():
    from spatial.maps._data import grid_notes

    grids = pd.DataFrame({"grid_id": ["东片-01", "东片-02", "G3"]})
    notes = pd.DataFrame({"layer": ["grids"] * 3, "row_id": ["东片-01", "东片-02", "G3"],
                          "problem": ["held 310 households > 250", "户数 520，超出 500", "has 445 households"],
                          "action": ["split; new grid 东片-01-a", "已拆分", "accept it"]})
    assert grid_notes(grids, notes, "zh") == ["held 310 households > 250. Split; new grid 东片-01-a",
                                             "户数 520，超出 500。已拆分", "has 445 households. Accept it"]
