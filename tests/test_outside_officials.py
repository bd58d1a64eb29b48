"""What a 街道 office receives, read as an official and a GIS technician read it: the workbook,
the KMZ and the CSVs say the same thing in the same words, and Chinese coordinate systems
(CGCS2000 degrees and Gauss-Krüger zones) give the same answers as WGS-84."""

import pandas as pd
import pytest
from openpyxl import load_workbook

from spatial.core.checks import require_crs
from spatial.io.workbook import write_workbook


def _sheet(path, title):
    values = list(load_workbook(path)[title].values)
    return values[0], values[1:]


def test_workbook_gap_rank_is_a_rank_by_households_not_a_build_order(tmp_path):
    # Gap G1 (most households) is ranked 1; the first new site is built elsewhere (NEW001 covers
    # gap G2's homes). The 盲区 sheet must not call the gap's rank a build order (建设顺序), which
    # is the 新站选址 sheet's column: the maps and the KMZ call it 排名 (按户数排名).
    summary = pd.DataFrame({"level": ["overall"], "id": ["all"], "households": [1000],
                            "hh_15min": [400], "pct_hh_15min": [40.0]})
    gaps = pd.DataFrame({"gap_id": ["G1", "G2", "N1"], "rank": [1, 2, None],
                         "cause": ["service", "service", "no mapped path"],
                         "households": [350, 200, 50]})
    sites = pd.DataFrame({"site_id": ["NEW001"], "rank": [1], "candidate_id": ["node:7"],
                          "gain_households": [200], "cum_coverage_pct": [60.0]})
    path = write_workbook(tmp_path / "s.xlsx", summary, gaps=gaps, sites=sites)
    head, rows = _sheet(path, "盲区")
    assert "建设顺序" not in head
    rank = head.index("排名（按户数）")
    assert [r[rank] for r in rows] == [1, 2, None]
    assert _sheet(path, "新站选址")[0][1] == "建设顺序"
    notes = [r for r in load_workbook(path)["说明"].values if r[1] in ("建设顺序", "排名（按户数）")]
    assert {(r[0], r[1]) for r in notes} == {("新站选址", "建设顺序"), ("盲区", "排名（按户数）")}


# --- Gauss-Krüger zones: an easting with its zone number in front, or without, under the other CRS


def _shenzhen_layers(tmp_path):
    """Two synthetic communities of four units each near Futian (114.05E, 22.54N), in EPSG:4547
    (CGCS2000 3-degree Gauss-Krüger CM 114E: false easting 500 000, no zone number)."""
    import geopandas as gpd
    from shapely.geometry import box

    cells = [box(114.04 + 0.002 * i, 22.53 + 0.002 * j, 114.042 + 0.002 * i, 22.532 + 0.002 * j)
             for j in range(2) for i in range(4)]
    units = gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "households": [150] * 8,
                              "community_id": ["C1"] * 4 + ["C2"] * 4}, geometry=cells, crs=4326)
    communities = gpd.GeoDataFrame({"community_id": ["C1", "C2"]},
                                   geometry=[box(114.04, 22.53, 114.048, 22.532),
                                             box(114.04, 22.532, 114.048, 22.534)], crs=4326)
    return units.to_crs(4547), communities.to_crs(4547)


def test_zone_prefixed_eastings_labelled_without_the_zone_are_named(tmp_path):
    from spatial.core.errors import CRSError
    from spatial.io.layers import read_layer

    units, _ = _shenzhen_layers(tmp_path)
    good = tmp_path / "good.gpkg"
    units.to_file(good, layer="units")
    assert read_layer(good, layer="units").crs.to_epsg() == 4547  # a right label passes
    assert 400_000 < units.total_bounds[0] < 600_000
    # the same numbers with zone 38 in front (EPSG:4526's 38 500 000), left labelled EPSG:4547
    prefixed = units.to_crs(4526).set_crs(4547, allow_override=True)
    assert 38_400_000 < prefixed.total_bounds[0] < 38_600_000
    bad = tmp_path / "prefixed.gpkg"
    prefixed.to_file(bad, layer="units")
    with pytest.raises(CRSError, match=r"prefixed\.gpkg.*EPSG:4547.*zone number \(38\).*they fit EPSG:4526 "):
        read_layer(bad, layer="units")
    # and the other way round: eastings without the zone, labelled with the zone-38 CRS
    bare = units.set_crs(4526, allow_override=True)
    with pytest.raises(CRSError, match=r"'units' declares EPSG:4526.*no zone number.*they fit EPSG:4547 "):
        require_crs(bare, "units")


def test_cli_names_a_mislabelled_gauss_krueger_layer_in_one_line(tmp_path, capsys):
    from spatial.cli import main

    units, communities = _shenzhen_layers(tmp_path)
    path = tmp_path / "gk.gpkg"
    communities.to_file(path, layer="communities")
    units.to_crs(4526).set_crs(4547, allow_override=True).to_file(path, layer="units")
    out = tmp_path / "grids.gpkg"
    code = main(["grids", f"{path}:communities", f"{path}:units", "--min", "200", "--max", "700",
                 "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and not out.exists()
    assert len(err) == 1 and "EPSG:4547" in err[0] and "EPSG:4526" in err[0], err


# --- spatial coverage stores every layer in one CRS


@pytest.mark.parametrize("epsg", [4326, 4547])
def test_cli_coverage_stores_service_areas_and_gaps_in_the_inputs_crs(tmp_path, epsg):
    # A 2 km street along 22.53N in Futian, a station at its west end, one home 100 m along it
    # and one 1.8 km along it (beyond 300 m: one service gap, whose site is on the street near it).
    import geopandas as gpd
    import pyogrio
    from pyproj import Transformer
    from shapely.geometry import LineString, Point

    from spatial.cli import main

    def layer(frame, geoms):
        return gpd.GeoDataFrame(frame, geometry=geoms, crs=4326).to_crs(epsg)

    layer({"highway": ["residential"]}, [LineString([(114.04, 22.53), (114.06, 22.53)])]).to_file(
        tmp_path / "roads.gpkg")
    layer({"station_id": ["S1"], "name": ["党群服务站"]}, [Point(114.04, 22.5301)]).to_file(tmp_path / "st.gpkg")
    layer({"unit_id": ["near", "far"], "households": [30, 40]},
          [Point(114.041, 22.5301), Point(114.0575, 22.5301)]).to_file(tmp_path / "homes.gpkg")
    out = tmp_path / "cov.gpkg"
    assert main(["-q", "coverage", *(str(tmp_path / f) for f in ("roads.gpkg", "st.gpkg", "homes.gpkg")),
                 "--out", str(out), "--meters", "300"]) == 0
    crs = {name: pyogrio.read_info(out, layer=name)["crs"] for name, kind in pyogrio.list_layers(out)
           if kind is not None}  # the layers with geometry (not the report, nor QGIS's layer_styles)
    assert set(crs) == {"demand", "stations", "isochrones", "gaps"}
    assert set(crs.values()) == {f"EPSG:{epsg}"}, crs
    gaps = gpd.read_file(out, layer="gaps")
    assert gaps["households"].tolist() == [40]
    if epsg == 4326:
        lon, lat = gaps["site_lon"].iloc[0], gaps["site_lat"].iloc[0]
    else:
        lon, lat = Transformer.from_crs(epsg, 4326, always_xy=True).transform(gaps["site_x"].iloc[0],
                                                                              gaps["site_y"].iloc[0])
    assert 114.052 < lon < 114.06 and lat == pytest.approx(22.53, abs=1e-4)
    area = gpd.read_file(out, layer="isochrones").to_crs(4326).total_bounds
    assert 114.035 < area[0] and area[2] < 114.045  # round the station, not across the town


# --- overview.png: the legend hides nothing


def test_overview_legend_sits_beside_the_map_not_on_its_corner():
    # A square community filled with homes to its lower-left corner (as Huangpu's synthetic
    # blocks were): a legend drawn inside the map hid those homes and their grid borders.
    import geopandas as gpd
    import matplotlib.pyplot as plt
    from matplotlib.transforms import Bbox
    from shapely.geometry import Point, box

    from spatial.maps.static import overview_figure

    crs = "EPSG:32651"
    x0, y0 = 350_000, 3_455_000
    communities = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(x0, y0, x0 + 2000, y0 + 2000)], crs=crs)
    homes = [box(x0 + 100 * i, y0 + 100 * j, x0 + 100 * (i + 1), y0 + 100 * (j + 1))
             for i in range(20) for j in range(20)]
    demand = gpd.GeoDataFrame({"band": ["15min"] * 400, "households": [10] * 400}, geometry=homes, crs=crs)
    stations = gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(x0 + 1000, y0 + 1000)], crs=crs)
    fig = overview_figure(communities=communities.to_crs(4326), demand=demand.to_crs(4326), stations=stations,
                          zh=False)
    ax = fig.axes[0]
    fig.canvas.draw()
    legend = ax.get_legend().get_window_extent(fig.canvas.get_renderer())
    utm = communities.to_crs(communities.to_crs(4326).estimate_utm_crs()).total_bounds
    corners = ax.transData.transform([(utm[0], utm[1]), (utm[2], utm[3])])
    area = Bbox(corners)
    plt.close(fig)
    assert not legend.overlaps(area), (legend, area)


# --- CSVs give the workbook's figures


def test_cli_coverage_csvs_give_percentages_to_one_decimal_as_the_workbook(tmp_path):
    # 3 homes of 10, 20 and 30 households; the first two within 300 m: 30 of 60 = 50.0%, and
    # the 5-household home alone in a second band: coverage 1 of 3 -> 33.3, not 33.33333333333333.
    import geopandas as gpd
    from shapely.geometry import LineString, Point

    from spatial.cli import main

    crs = "EPSG:32650"
    gpd.GeoDataFrame({"highway": ["residential"]}, geometry=[LineString([(0, 0), (3000, 0)])], crs=crs).to_file(
        tmp_path / "roads.gpkg")
    gpd.GeoDataFrame({"station_id": ["S1"], "name": ["站"], "floor_area_m2": [90.0]},
                     geometry=[Point(0, 5)], crs=crs).to_file(tmp_path / "st.gpkg")
    gpd.GeoDataFrame({"unit_id": ["a", "b", "c"], "households": [10, 20, 30]},
                     geometry=[Point(100, 5), Point(250, 5), Point(2500, 5)], crs=crs).to_file(tmp_path / "homes.gpkg")
    assert main(["-q", "coverage", *(str(tmp_path / f) for f in ("roads.gpkg", "st.gpkg", "homes.gpkg")),
                 "--out", str(tmp_path / "c.gpkg"), "--meters", "150,300", "--no-isochrones"]) == 0
    lines = (tmp_path / "c_summary.csv").read_text(encoding="utf-8-sig").splitlines()
    row = dict(zip(lines[0].split(","), lines[1].split(",")))
    assert (row["hh_150m"], row["pct_hh_150m"], row["hh_300m"], row["pct_hh_300m"]) == ("10", "16.7", "30", "50.0")
    load = (tmp_path / "c_station_load.csv").read_text(encoding="utf-8-sig").splitlines()
    station = dict(zip(load[0].split(","), load[1].split(",")))
    assert station["households_served"] == "60" and station["m2_per_100hh"] == "150.0"  # 90 m² for 60 households


# --- spatial site and Amap (GCJ-02) coordinates


def _gcj02(lon, lat):
    """WGS-84 -> GCJ-02 by the public formula (Krasovsky ellipsoid), written here independently."""
    import math

    a, ee = 6378245.0, 0.00669342162296594323
    x, y = lon - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
            + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
            + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
            + (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
            + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
            + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
            + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(rad) ** 2
    dlat = dlat * 180.0 / ((a * (1 - ee)) / (magic * math.sqrt(magic)) * math.pi)
    dlon = dlon * 180.0 / (a / math.sqrt(magic) * math.cos(rad) * math.pi)
    return lon + dlon, lat + dlat


def test_cli_site_warns_of_amap_coordinates_and_reads_them_when_told(tmp_path, capsys):
    # A 3 km street along 22.53N in Futian crossed by side streets; a station at its west end
    # with homes along the street, one 2 km east (beyond 15 minutes: a new site gains its 50
    # households), and a second station with homes round it on a side street 1.1 km north. Read
    # off Amap, every point lies about 300 m south and 500 m east of where it is: the site
    # command must say so, and with --stations-coord-sys/--demand-coord-sys gcj02 give the same
    # answer as the WGS-84 numbers. (Points on streets of two bearings show the move's bearing:
    # points all on one straight street fit any move of the same northing as well, and then the
    # hint rightly says nothing.)
    import geopandas as gpd
    from shapely.geometry import LineString, Point

    from spatial.cli import main

    xs = [114.03, 114.0337, 114.0391, 114.0468, 114.0553, 114.06]  # the street, cut where side streets cross
    lines = [LineString([(a, 22.53), (b, 22.53)]) for a, b in zip(xs, xs[1:])]
    lines += [LineString([(x, y0), (x, 22.53)]) for x in xs[1:-1] for y0 in (22.515, 22.545)]
    gpd.GeoDataFrame({"highway": ["residential"] * len(lines)}, geometry=lines, crs=4326).to_file(
        tmp_path / "roads.gpkg")
    st_xy = [(114.031, 22.5301), (114.0468, 22.54)]
    home_xy = ([(114.031 + 0.001 * k, 22.5301) for k in range(8)] + [(114.052, 22.5301)]
               + [(114.0468, 22.539 + 0.0005 * k) for k in range(4)])
    homes = {"unit_id": [f"H{k}" for k in range(13)], "households": [10] * 8 + [50] + [10] * 4}
    for name, moved in (("wgs", lambda p: p), ("amap", lambda p: _gcj02(*p))):
        gpd.GeoDataFrame({"station_id": ["S1", "S2"]}, geometry=[Point(moved(p)) for p in st_xy], crs=4326).to_file(
            tmp_path / f"st_{name}.gpkg")
        gpd.GeoDataFrame(homes, geometry=[Point(moved(p)) for p in home_xy], crs=4326).to_file(
            tmp_path / f"homes_{name}.gpkg")

    def site(name, *extra):
        out = tmp_path / f"sites_{name}{len(extra)}.gpkg"
        code = main(["site", str(tmp_path / "roads.gpkg"), str(tmp_path / f"st_{name}.gpkg"),
                     str(tmp_path / f"homes_{name}.gpkg"), "--k", "1", "--no-exact", "--out", str(out), *extra])
        assert code == 0
        return gpd.read_file(out, layer="sites")["gain_households"].tolist(), capsys.readouterr().err

    truth, said = site("wgs")
    assert truth == [50] and "GCJ-02" not in said
    _, said = site("amap")
    assert "'stations': three in four lie within" in said and "--stations-coord-sys gcj02" in said
    assert "'demand': three in four lie within" in said and "--demand-coord-sys gcj02" in said
    told, said = site("amap", "--stations-coord-sys", "gcj02", "--demand-coord-sys", "gcj02")
    assert told == truth and "GCJ-02" not in said


# --- results.kmz in the workbook's words


def test_kmz_gives_a_new_sites_build_order_in_the_workbooks_words(tmp_path):
    # The workbook's 新站选址 sheet and overview.png say 建设顺序 (build order) for a new site's
    # rank; the KMZ said 排名, the word the gaps use for their rank by households.
    import geopandas as gpd
    from shapely.geometry import Point, box

    from spatial.io.layers import read_layer
    from spatial.maps.kmz import results_kmz

    sites = gpd.GeoDataFrame({"site_id": ["NEW001", "NEW002"], "rank": [1, 2], "gain_households": [300, 120],
                              "cum_coverage_pct": [83.6, 86.6]},
                             geometry=[Point(114.03, 22.54), Point(114.00, 22.53)], crs=4326)
    gaps = gpd.GeoDataFrame({"gap_id": ["G001"], "rank": [1], "cause": ["service"], "households": [813]},
                            geometry=[box(114.0, 22.54, 114.002, 22.542)], crs=4326)
    path = results_kmz(tmp_path / "r.kmz", {"sites": sites, "gaps": gaps})
    site_text = read_layer(path, layer="建议新站点").set_index("Name")["description"]
    assert site_text["建议新站 2"].split("<br>\n")[:2] == ["站点编号: NEW002", "建设顺序: 2"]  # named as on the map
    gap_text = read_layer(path, layer="覆盖盲区")["description"].iloc[0]
    assert gap_text.split("<br>\n")[:2] == ["盲区编号: G001", "排名: 1"]


def test_cli_coverage_reads_community_outlines_drawn_on_amap_when_told(tmp_path, capsys):
    # Communities W and E meet at 114.045E; homes without a community id lie 150-250 m either side
    # of that border. Everything read off Amap is about 500 m east and 300 m south of the truth:
    # with the homes moved back but the outlines not, homes of W were counted in E. Told with
    # --communities-coord-sys, the summary is the WGS-84 one; not told, the command says so.
    import geopandas as gpd
    import pandas as pd
    import shapely
    from shapely.geometry import LineString, Point, Polygon

    from spatial.cli import main

    gpd.GeoDataFrame({"highway": ["residential"]}, geometry=[LineString([(114.03, 22.53), (114.06, 22.53)])],
                     crs=4326).to_file(tmp_path / "roads.gpkg")
    outlines = {"W": [(114.035, 22.52), (114.045, 22.52), (114.045, 22.54), (114.035, 22.54)],
                "E": [(114.045, 22.52), (114.055, 22.52), (114.055, 22.54), (114.045, 22.54)]}
    home_xy = [(114.0425, 22.5301), (114.0435, 22.5301), (114.0465, 22.5301), (114.0475, 22.5301)]
    for name, moved in (("wgs", lambda p: p), ("amap", lambda p: _gcj02(*p))):
        gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(moved((114.044, 22.5301)))], crs=4326).to_file(
            tmp_path / f"st_{name}.gpkg")
        gpd.GeoDataFrame({"households": [10, 20, 40, 80]}, geometry=[Point(moved(p)) for p in home_xy],
                         crs=4326).to_file(tmp_path / f"homes_{name}.gpkg")
        gpd.GeoDataFrame({"community_id": list(outlines)},
                         geometry=[Polygon([moved(p) for p in ring]) for ring in outlines.values()],
                         crs=4326).to_file(tmp_path / f"comm_{name}.gpkg")
    assert shapely.Point(_gcj02(114.0425, 22.5301)).x > 114.045  # read as WGS-84, a home of W lies in E

    def summary(name, *extra):
        out = tmp_path / f"c_{name}{len(extra)}.gpkg"
        code = main(["coverage", str(tmp_path / "roads.gpkg"), str(tmp_path / f"st_{name}.gpkg"),
                     str(tmp_path / f"homes_{name}.gpkg"), "--out", str(out), "--meters", "500", "--no-isochrones",
                     "--communities", str(tmp_path / f"comm_{name}.gpkg"), *extra])
        assert code == 0
        table = pd.read_csv(tmp_path / f"c_{name}{len(extra)}_summary.csv", encoding="utf-8-sig")
        rows = table[table["level"] == "community"].set_index("id")[["households", "hh_500m"]]
        return rows.to_dict("index"), capsys.readouterr().err

    truth, _ = summary("wgs")
    assert truth == {"W": {"households": 30, "hh_500m": 30}, "E": {"households": 120, "hh_500m": 120}}
    moved = ("--stations-coord-sys", "gcj02", "--demand-coord-sys", "gcj02")
    _, said = summary("amap", *moved)
    assert "--communities-coord-sys gcj02" in said
    told, said = summary("amap", *moved, "--communities-coord-sys", "gcj02")
    assert told == truth and "--communities-coord-sys" not in said
