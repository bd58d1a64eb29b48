"""The PNG overview for printed reports: uncovered units in the web maps' magenta (units no path
reaches in their dark purple), readable ranks and numbers, a one-language legend, credits for what
is drawn, a scale bar whose label stays clear."""

import re

import geopandas as gpd
import numpy as np
from matplotlib.image import imread
from shapely.geometry import Point, box

from spatial.maps._style import BAND_COLOURS, BEYOND_COLOUR, UNREACHABLE_COLOUR
from spatial.maps.static import overview_figure, overview_png


def _pixels(path, colour: str) -> int:
    """Pixels of the PNG within 2% of ``colour`` ('#rrggbb')."""
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    img = imread(path)[..., :3]
    return int((np.abs(img - rgb).max(axis=-1) < 0.02).sum())


def _red_pixels(path) -> int:  # the uncovered units' colour (it was red, #e03131)
    return _pixels(path, BEYOND_COLOUR)


def _layers(bands):
    crs = "EPSG:32650"
    communities = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(0, 0, 200, 100)], crs=crs)
    demand = gpd.GeoDataFrame({"unit_id": ["U1", "U2"], "band": bands},
                              geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs=crs)
    stations = gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(50, 50)], crs=crs)
    return communities, demand, stations


def test_uncovered_units_are_drawn_in_the_web_maps_colour(tmp_path):
    communities, demand, stations = _layers(["5min", "beyond"])
    path = overview_png(tmp_path / "o.png", communities=communities.to_crs(4326),
                        demand=demand.to_crs(4326), stations=stations.to_crs(4326), lang="en")
    assert _red_pixels(path) > 1000


def test_fully_covered_area_has_no_uncovered_colour(tmp_path):
    communities, demand, stations = _layers(["5min", "15min"])
    path = overview_png(tmp_path / "o.png", communities=communities.to_crs(4326),
                        demand=demand.to_crs(4326), stations=stations.to_crs(4326), lang="en")
    assert _red_pixels(path) == 0


def test_the_png_uses_the_web_maps_colours_not_red_against_green(tmp_path):
    # red (#e03131) against green (#9ad19a) is the pair red-green colour-blind readers cannot
    # tell apart; the web maps' magenta against green is what the legend of every map uses
    communities, demand, stations = _layers(["5min", "beyond"])
    path = overview_png(tmp_path / "o.png", communities=communities.to_crs(4326),
                        demand=demand.to_crs(4326), stations=stations.to_crs(4326), lang="en")
    assert _pixels(path, BAND_COLOURS[-1]) > 1000 and _pixels(path, BEYOND_COLOUR) > 1000
    assert _pixels(path, "#e03131") == 0 and _pixels(path, "#9ad19a") == 0


def test_units_no_path_reaches_have_their_own_colour_and_legend_row(tmp_path):
    communities, demand, stations = _layers(["5min", "unreachable"])
    fig = overview_figure(communities=communities, demand=demand, stations=stations, zh=False)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "cannot be reached on foot" in labels and not any(t.startswith("not within") for t in labels)
    path = overview_png(tmp_path / "o.png", communities=communities.to_crs(4326),
                        demand=demand.to_crs(4326), stations=stations.to_crs(4326), lang="en")
    assert _pixels(path, UNREACHABLE_COLOUR) > 1000 and _pixels(path, BEYOND_COLOUR) == 0


def _all_layers():
    from shapely.geometry import LineString

    communities, demand, stations = _layers(["5min", "beyond"])
    crs = communities.crs
    gaps = gpd.GeoDataFrame({"rank": [2, 1]}, geometry=[box(100, 0, 150, 50), box(150, 50, 200, 100)], crs=crs)
    sites = gpd.GeoDataFrame({"rank": [1, 2]}, geometry=[Point(120, 20), Point(180, 80)], crs=crs)
    network = gpd.GeoDataFrame(geometry=[LineString([(0, 50), (200, 50)])], crs=crs)
    return dict(communities=communities.to_crs(4326), demand=demand.to_crs(4326), stations=stations,
                gaps=gaps, sites=sites, network_edges=network)


def _texts(fig):
    import matplotlib.pyplot as plt

    out = [t.get_text() for ax in fig.axes for t in ax.texts] + [t.get_text() for t in fig.texts]
    out += [t.get_text() for ax in fig.axes for t in ax.get_legend().get_texts()]
    plt.close(fig)
    return out


def test_gap_ranks_and_site_numbers_are_written_in_dark_text_on_a_halo():
    fig = overview_figure(**_all_layers(), zh=False)
    ax = fig.axes[0]
    labels = {t.get_text(): t for t in ax.texts}
    assert {"#1", "#2", "1", "2"} <= set(labels)                      # ranked gaps, numbered new sites
    assert labels["#1"].get_color() == "#1a1a1a" and labels["#1"].get_path_effects()
    _texts(fig)


def test_legend_speaks_one_language_and_credits_only_what_is_drawn():
    layers = _all_layers()
    zh = _texts(overview_figure(**layers, zh=True))
    legend_zh = [t for t in zh if "OpenStreetMap" not in t]
    assert not [t for t in legend_zh if re.search("[A-Za-z]", t)], legend_zh   # no "15min 可达"
    assert "步行15分钟内可达" in zh and "建议新站（数字为建设顺序）" in zh
    en = _texts(overview_figure(**layers, zh=False))
    assert not [t for t in en if re.search("[\u4e00-\u9fff]", t)]
    assert any("Walking network © OpenStreetMap" in t for t in en)
    bare = _texts(overview_figure(**{**layers, "network_edges": None}, zh=True))
    assert not any("OpenStreetMap" in t or "底图" in t for t in bare)      # nothing drawn, nothing credited
    own = _texts(overview_figure(**layers, zh=True, credits=["住户数：XX区2025年房屋普查"]))
    assert any("OpenStreetMap" in t and t.endswith("住户数：XX区2025年房屋普查") for t in own)  # after the network's


def test_scale_bar_label_sits_clear_of_the_bar():
    import matplotlib.pyplot as plt

    fig = overview_figure(**_all_layers(), zh=False)
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (bar,) = [line for line in ax.get_lines() if line.get_linewidth() == 3]
    (label,) = [t for t in ax.texts if t.get_text().endswith(" m")]
    assert label.get_window_extent(renderer).y0 >= bar.get_window_extent(renderer).y1
    plt.close(fig)


def test_without_a_cjk_font_a_chinese_credit_is_named_and_left_off_rather_than_drawn_as_boxes(
        tmp_path, monkeypatch, caplog):
    import spatial.maps.static as static

    drawn = {}
    real = static.overview_figure

    def spy(**kw):
        drawn.update(kw)
        return real(**kw)

    monkeypatch.setattr(static, "_cjk_font", lambda: None)
    monkeypatch.setattr(static, "overview_figure", spy)
    layers = _all_layers()
    with caplog.at_level("WARNING", logger="spatial.maps.static"):
        path = static.overview_png(tmp_path / "o.png", **layers, lang="zh",
                                   credits=["住户数：XX区2025年房屋普查", "Units: city survey 2025"])
    assert path.read_bytes()[1:4] == b"PNG"
    assert drawn["zh"] is False and drawn["credits"] == ["Units: city survey 2025"]
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "'住户数：XX区2025年房屋普查'" in said and "fonts-wqy-microhei" in said and "HTML maps" in said
