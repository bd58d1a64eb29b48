"""Land where nobody lives on the coverage maps: units of 0 households and gaps of 0 households.

The street (EPSG:32650): five 100 m square units in a row, in one community, one station at the
west end. Their bands are given (the walks are not what is tested here): U1 a block of 120
households within 5 minutes, U2 a road strip of 0 households within 5 minutes, U3 a block of 60
within 15 minutes, U4 a park of 0 households beyond 15 minutes, U5 a block of 80 beyond 15
minutes. The households by band are worked out here with pandas from the raw rows.

Until 8 December 2026 the maps coloured every unit by its walk's band: the park read as a gap
(magenta, 超出服务圈) where nobody lives, the road strip as homes within 5 minutes; a gap of 0
households had its outline, its popup and its placemark, named with the site reaching it.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from spatial.maps import _style as st
from spatial.maps._data import decode
from spatial.maps._layers import BoxControl, VectorLayer
from spatial.maps.interactive import coverage_map, overview_map, save_map

UTM = "EPSG:32650"
X0, Y0 = 206_000, 2_495_000
HOUSEHOLDS = [120, 0, 60, 0, 80]
BANDS = ["5min", "5min", "15min", "beyond", "beyond"]


def _street():
    demand = gpd.GeoDataFrame({"unit_id": [f"U{i + 1}" for i in range(5)], "community_id": ["C1"] * 5,
                               "households": HOUSEHOLDS, "band": BANDS},
                              geometry=[box(X0 + 100 * i, Y0, X0 + 100 * (i + 1), Y0 + 100) for i in range(5)],
                              crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S1"], "name": ["一站"]}, geometry=[Point(X0 + 10, Y0 + 50)],
                                crs=UTM)
    communities = gpd.GeoDataFrame({"community_id": ["C1"], "name": ["香蜜社区"]},
                                   geometry=[box(X0, Y0, X0 + 500, Y0 + 100)], crs=UTM)
    # gaps beyond 15 minutes: the block U5 (ranked) and the park U4 (0 households, no rank)
    gaps = gpd.GeoDataFrame({"gap_id": ["G001", "G002"], "rank": [1.0, np.nan], "cause": ["service"] * 2,
                             "households": [80, 0], "filled_by": ["", "NEW001"]},
                            geometry=[demand.geometry.iloc[4], demand.geometry.iloc[3]], crs=UTM)
    return demand, stations, communities, gaps


def _layers(m) -> dict[str, tuple[VectorLayer, list[dict]]]:
    return {c.options["key"]: (c, decode(c.data_js)) for c in m._children.values() if isinstance(c, VectorLayer)}


def _table(m) -> list[str]:
    return [c.html_text for c in m._children.values() if isinstance(c, BoxControl) and "tablebox" in c.class_js]


def _boxes(m) -> str:
    return " ".join(c.html_text for c in m._children.values() if isinstance(c, BoxControl))


def test_a_park_of_no_households_beyond_15_minutes_is_drawn_as_no_homes_not_as_a_gap():
    demand, stations, communities, _ = _street()
    layers = _layers(coverage_map(demand, stations, communities=communities))
    drawn = {k: sorted(f["properties"]["_t"] for f in feats) for k, (_, feats) in layers.items()
             if k.startswith("demand")}
    raw = pd.DataFrame({"unit": demand["unit_id"], "hh": HOUSEHOLDS, "band": BANDS})
    within = raw["band"].isin(["5min", "10min", "15min"])
    assert drawn == {"demand_covered": sorted(raw.loc[within & (raw["hh"] > 0), "unit"]),  # U1, U3
                     "demand_uncovered": sorted(raw.loc[~within & (raw["hh"] > 0), "unit"]),  # U5
                     "demand_empty": sorted(raw.loc[raw["hh"] == 0, "unit"])}  # the road strip U2, the park U4
    layer, feats = layers["demand_empty"]
    (style,) = layer.styles  # one neutral hatched look, whatever the walk's band
    assert style["hatch"] and style["fillColor"] == st.NO_HOMES_COLOUR
    assert style["fillColor"] not in (st.BEYOND_COLOUR, *st.band_colours(["5min", "10min", "15min"]).values())
    # its popup keeps the walk's band, and says 无住户 where its line is folded under another feature
    assert {f["properties"]["_t"]: f["properties"]["_sum"] for f in feats} == {"U2": "无住户", "U4": "无住户"}


def test_the_legend_names_no_homes_and_the_households_by_band_are_unchanged():
    demand, stations, communities, _ = _street()
    m = coverage_map(demand, stations, communities=communities)
    legend = _boxes(m)
    assert re.search(r'<span class="sp-swatch sp-hatch"[^>]*></span>无住户（公园、水面、道路等）', legend)
    # households within 5 / 15 minutes, of all 260: pandas on the raw rows, as the table says them
    hh = pd.Series(HOUSEHOLDS, index=BANDS)
    pct5 = 100 * hh[hh.index == "5min"].sum() / hh.sum()
    pct15 = 100 * hh[hh.index.isin(["5min", "15min"])].sum() / hh.sum()
    assert f"{pct5:.1f}" in legend and f"{pct15:.1f}" in legend  # 46.2, 69.2
    # the same table as the homes alone give (the units of no households count for nothing)
    homes = demand[demand["households"] > 0]
    alone = coverage_map(homes, stations, communities=communities)
    assert _table(m) == _table(alone) and "香蜜社区" in _table(m)[0]
    # and no row where nobody has no homes
    assert "无住户" not in _boxes(alone) and "demand_empty" not in _layers(alone)
    en = _boxes(coverage_map(demand, stations, lang="en"))
    assert "No homes (parks, water, road land)" in en


def test_a_gap_of_no_households_is_left_off_the_map_and_the_kmz(tmp_path):
    from spatial.io.layers import read_layer
    from spatial.maps.kmz import results_kmz

    demand, stations, communities, gaps = _street()
    grids = gpd.GeoDataFrame({"grid_id": ["G1"], "community_id": ["C1"], "households": [260]},
                             geometry=[communities.geometry.iloc[0]], crs=UTM)
    for m in (coverage_map(demand, stations, gaps=gaps), overview_map(grids, demand, stations, gaps=gaps)):
        _, feats = _layers(m)["gaps"]
        assert [f["properties"]["_t"] for f in feats] == ["盲区 #1"]  # G001 only: not the park G002
    kmz = results_kmz(tmp_path / "r.kmz", {"gaps": gaps, "stations": stations})
    assert read_layer(kmz, layer="覆盖盲区")["Name"].tolist() == ["盲区 #1"]
    # with only gaps of no households, no gap layer and no legend row for it
    m = coverage_map(demand, stations, gaps=gaps.iloc[[1]])
    assert "gaps" not in _layers(m) and "服务盲区" not in _boxes(m)


def test_the_png_hatches_the_units_of_no_households_and_leaves_their_gaps_out():
    import matplotlib.pyplot as plt

    from spatial.maps.static import overview_figure

    demand, stations, communities, gaps = _street()
    fig = overview_figure(communities=communities, demand=demand, stations=stations, gaps=gaps, zh=False)
    try:
        ax = fig.axes[0]
        legend = {t.get_text(): h for t, h in zip(ax.get_legend().get_texts(), ax.get_legend().legend_handles)}
        assert legend["No homes (parks, water, road land)"].get_hatch() == "////"
        (hatched,) = [c for c in ax.collections if c.get_hatch()]
        centres = demand.to_crs(communities.estimate_utm_crs()).geometry.centroid  # (the figure is in UTM)
        inside = [any(p.contains_point((c.x, c.y)) for p in hatched.get_paths()) for c in centres]
        assert inside == [h == 0 for h in HOUSEHOLDS]  # U2 and U4, no home
        # the park's gap is not outlined: one gap outline (G001's), drawn dashed
        assert len([c for c in ax.collections if c.get_linestyle()[0][1] is not None]) == 1
    finally:
        plt.close(fig)


@pytest.mark.browser
@pytest.mark.parametrize("canvas", [False, True])
def test_the_browser_draws_the_hatch_on_svg_and_on_canvases(tmp_path, monkeypatch, canvas):
    """The hatch is drawn (grey lines over the light fill inside the park), on SVG and on the canvases a
    map of more than CANVAS_ABOVE units is drawn on; nothing logged as an error."""
    import io
    import time

    from PIL import Image

    from conftest import headless_chromium
    from spatial.maps import interactive

    if canvas:
        monkeypatch.setattr(interactive, "CANVAS_ABOVE", 0)
    demand, stations, communities, _ = _street()
    path = save_map(coverage_map(demand, stations), tmp_path / "m.html")
    driver = headless_chromium("--hide-scrollbars")
    try:
        driver.set_window_size(1400, 900)
        driver.get(path.resolve().as_uri())
        for _ in range(100):
            if driver.execute_script("var c = document.querySelector('.folium-map');"
                                     "return c && c.getAttribute('data-sp-ready');"):
                break
            time.sleep(0.05)
        map_id = driver.execute_script("return document.querySelector('.folium-map').id")
        assert driver.execute_script(f"return !!window['{map_id}'].options.preferCanvas") is canvas
        park = demand.to_crs(4326).geometry.iloc[3].centroid
        x, y = driver.execute_script("var p = window[arguments[0]].latLngToContainerPoint([arguments[1], arguments[2]]);"
                                     "var r = window[arguments[0]].getContainer().getBoundingClientRect();"
                                     "return [p.x + r.left, p.y + r.top];", map_id, park.y, park.x)
        ratio = driver.execute_script("return devicePixelRatio")
        shot = np.asarray(Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGB"), dtype=int)
        cx, cy = round(x * ratio), round(y * ratio)
        patch = shot[cy - 8:cy + 8, cx - 8:cx + 8].reshape(-1, 3)
        grey = np.abs(patch - patch.mean(axis=1, keepdims=True)).max(axis=1) < 12  # neutral: no band's green or magenta
        assert grey.all(), patch[~grey][:5]
        level = patch.mean(axis=1)
        assert level.max() - level.min() > 25  # lines and the fill between them: a hatch, not a flat grey
        logs = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not logs
    finally:
        driver.quit()


def test_the_geopackage_s_qgis_style_hatches_the_units_of_no_households(tmp_path):
    import sqlite3
    import xml.etree.ElementTree as ET

    from spatial.io.writers import write_layers
    from spatial.maps._gis_styles import qgis_styles

    demand, stations, _, _ = _street()
    path = write_layers({"demand": demand}, tmp_path / "c.gpkg", styles=qgis_styles({"demand": demand}))
    with sqlite3.connect(path) as con:
        (qml,) = con.execute("select styleQML from layer_styles where f_table_name = 'demand'").fetchone()
    renderer = ET.fromstring(qml[qml.index("<qgis"):]).find("renderer-v2")
    assert renderer.get("attr") == "CASE WHEN \"households\" = 0 THEN 'no homes' ELSE \"band\" END"
    cats = {c.get("value"): c for c in renderer.find("categories")}
    assert set(cats) == {"5min", "15min", "beyond", "unreachable", "no homes"}
    assert cats["no homes"].get("label") == "无住户（公园、水面、道路等）"
    symbol = next(s for s in renderer.find("symbols") if s.get("name") == cats["no homes"].get("symbol"))
    brushes = [{p.get("k"): p.get("v") for p in layer.findall("prop")}["style"] for layer in symbol.findall("layer")]
    assert brushes == ["solid", "b_diagonal"]
    # without a households column the units are drawn by band alone, as before
    plain = qgis_styles({"demand": demand.drop(columns="households")})["demand"]
    assert 'attr="band"' in plain and "no homes" not in plain
