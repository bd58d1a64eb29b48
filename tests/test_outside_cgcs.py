"""Coordinates as Chinese planning data come (outside review, branch fix-c): CGCS2000, Xi'an 1980
and Beijing 1954 Gauss-Krüger zones with and without the zone number in front of the eastings,
3- and 6-degree zones, shapefiles without a .prj, GeoJSON exported from CAD without a crs member,
surveyors' northing-first coordinates, and layers in different CRSs.

Every layer here is built from longitude/latitude in Futian (114.04-114.06E, 22.53N) and projected
with pyproj, so where it should lie is known whatever label it is given."""

import json

import geopandas as gpd
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, box

from spatial.core.checks import require_crs
from spatial.core.errors import CRSError, GeometryError, NetworkError
from spatial.io.layers import read_layer

#: Four homes 200 m apart just north of a 2 km street along 22.53N, and a station at its west end.
HOMES_LONLAT = [(114.041 + 0.002 * i, 22.5301) for i in range(4)]
STATION_LONLAT = (114.04, 22.5301)


def homes(epsg) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(4)], "households": [30, 40, 50, 60]},
                            geometry=[Point(p) for p in HOMES_LONLAT], crs=4326).to_crs(epsg)


def stations(epsg) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"station_id": ["S1"], "name": ["党群服务站"]}, geometry=[Point(STATION_LONLAT)],
                            crs=4326).to_crs(epsg)


def street(epsg) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"highway": ["residential"]}, geometry=[LineString([(114.04, 22.53), (114.06, 22.53)])],
                            crs=4326).to_crs(epsg)


def blocks(epsg) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Eight units of 150 households in two communities (as tests/test_outside_officials.py)."""
    cells = [box(114.04 + 0.002 * i, 22.53 + 0.002 * j, 114.042 + 0.002 * i, 22.532 + 0.002 * j)
             for j in range(2) for i in range(4)]
    units = gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "households": [150] * 8,
                              "community_id": ["C1"] * 4 + ["C2"] * 4}, geometry=cells, crs=4326)
    comms = gpd.GeoDataFrame({"community_id": ["C1", "C2"]}, geometry=[box(114.04, 22.53, 114.048, 22.532),
                                                                        box(114.04, 22.532, 114.048, 22.534)], crs=4326)
    return units.to_crs(epsg), comms.to_crs(epsg)


def relabelled(gdf: gpd.GeoDataFrame, epsg) -> gpd.GeoDataFrame:
    return gdf.set_crs(epsg, allow_override=True)


def swapped(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.set_geometry(shapely.transform(gdf.geometry.values, lambda c: c[:, ::-1]))


# --- a zone number in the eastings that is not the declared zone's


def test_zone_38_eastings_labelled_zone_39_are_refused_naming_both_zones(tmp_path):
    """Eastings of 3-degree zone 38 (38 5xx xxx, EPSG:4526) saved under zone 39 (EPSG:4527, false
    easting 39 500 000) lie on Earth there - near 107.4E, in Guangxi, 690 km west - so nothing
    stopped them: `spatial grids` drew the plan there (areas 53,355 m² off on the demo's C01/C02)
    and coverage said only 'the nearest station is 686.7 km away'. They are refused when read."""
    units, _ = blocks(4526)
    path = tmp_path / "units.gpkg"
    relabelled(units, 4527).to_file(path)
    with pytest.raises(CRSError, match=r"units\.gpkg.*declares EPSG:4527 .*start with zone number 38 \(central "
                                       r"meridian 114°E\), not 39: read in it the layer would lie at 107\.\d\d°E.*"
                                       r"they fit EPSG:4526 \(CGCS2000 / 3-degree Gauss-Kruger zone 38\)"):
        read_layer(path)
    # a 6-degree zone-20 label (EPSG:4498) on them, and the right label, as a library user meets them
    with pytest.raises(CRSError, match=r"zone number 38 .* not 20.*they fit EPSG:4526"):
        require_crs(relabelled(units, 4498), "units")
    assert require_crs(units, "units").to_epsg() == 4526
    # Xi'an 1980's zone 38 (EPSG:2362) read as its zone 39: the fit is Xi'an 1980's own zone 38
    with pytest.raises(CRSError, match=r"they fit EPSG:2362 \(Xian 1980 / 3-degree Gauss-Kruger zone 38\)"):
        require_crs(relabelled(units.to_crs(2362), 2363), "units")


def test_cli_grids_refuse_zone_38_eastings_under_zone_39_in_one_line(tmp_path, capsys):
    from spatial.cli import main

    units, comms = blocks(4526)
    path = tmp_path / "gk.gpkg"
    relabelled(comms, 4527).to_file(path, layer="communities")
    relabelled(units, 4527).to_file(path, layer="units")
    out = tmp_path / "grids.gpkg"
    code = main(["grids", f"{path}:communities", f"{path}:units", "--min", "200", "--max", "700", "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and not out.exists()
    assert len(err) == 1 and "zone number 38" in err[0] and "EPSG:4526" in err[0], err


# --- northing first, and a city's own system under a zone label


@pytest.mark.parametrize("epsg", [4547, 4526, 2383])
def test_northing_first_is_refused_as_swapped(epsg, tmp_path):
    """Surveyors write X (the northing) first. Swapped under EPSG:4547 the homes lay near 131.7E
    4.4N, in the Pacific: coverage said 'the nearest station is 2,790.5 km away' and `spatial
    grids` drew a plan there. Under the zone-38 CRS (EPSG:4526) the message said the eastings
    'have no zone number in front', which was not what was wrong."""
    layer = swapped(homes(epsg))
    with pytest.raises(CRSError, match=r"'homes' declares EPSG:\d+ .* fit it only the other way round: x and y are "
                                       r"swapped \(the northing first.*Swap X and Y coordinates"):
        require_crs(layer, "homes")
    require_crs(homes(epsg), "homes")  # the right way round passes


def test_a_city_system_under_a_zone_label_is_refused():
    """A city's own system (metres from an origin in the city, x -5 353, y -2 034) saved under
    EPSG:4547 lay on the equator at 109.5E; now refused, saying what the numbers look like."""
    layer = homes(4547)
    local = layer.set_geometry(shapely.transform(layer.geometry.values, lambda c: c - [505_000, 2_493_000]))
    with pytest.raises(CRSError, match=r"put it at 109\.\d\d°E 0\.00°N, far from where that CRS is used \(112\.5°E to "
                                       r"115\.5°E.*a city's own system"):
        require_crs(local, "homes")


def test_longitudes_and_latitudes_under_a_gauss_krueger_label_are_refused_as_degrees():
    layer = relabelled(homes(4326), 4547)
    with pytest.raises(CRSError, match=r"the numbers look like longitude/latitude: EPSG:4326"):
        require_crs(layer, "homes")


def test_a_layer_reprojected_into_a_far_zone_is_still_read():
    # right numbers in an unsuited zone (Futian in UTM 33N): not a mislabel, measured elsewhere
    assert require_crs(homes(32633), "homes").to_epsg() == 32633


# --- no CRS at all: the message says what the numbers look like


def test_a_shapefile_without_prj_is_told_the_zone_its_eastings_carry(tmp_path):
    """A .shp of zone-38 eastings with its .prj lost was refused with 'add its .prj file' and
    nothing more; the planner had no .prj. The message now names the zone and its EPSG codes in
    CGCS2000, Xi'an 1980 and Beijing 1954."""
    path = tmp_path / "units.shp"
    homes(4526).to_file(path)
    path.with_suffix(".prj").unlink()
    with pytest.raises(CRSError, match=r"declares no CRS; add its \.prj file.*look like Gauss-Krüger zone 38 \(central "
                                       r"meridian 114°E\) with the zone number in front of the eastings: EPSG:4526 in "
                                       r"CGCS2000 \(EPSG:2362 in Xian 1980, EPSG:2414 in Beijing 1954\)"):
        read_layer(path)
    assert read_layer(path, crs="EPSG:4526").geometry.to_crs(4326).x.round(6).tolist() == [
        round(p[0], 6) for p in HOMES_LONLAT]


def test_cad_geojson_without_a_crs_member_is_not_sent_to_utm(tmp_path):
    """GeoJSON exported from a .dwg has no crs member, so GDAL reads it as EPSG:4326. The message
    then ended 'ogr2ogr -a_srs EPSG:32650 ... with the right zone': a planner who followed it put
    Gauss-Krüger CM 114E numbers in UTM 50N (CM 117E), 300 km east. It now says the numbers carry
    no zone and names the CGCS2000 zones, and suggests no UTM code."""
    path = tmp_path / "units.geojson"
    homes(4547).to_file(path, driver="GeoJSON")
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("crs", None)
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CRSError) as info:
        read_layer(path)
    message = str(info.value)
    assert "declares degrees (EPSG:4326)" in message and "EPSG:32650" not in message
    assert "Gauss-Krüger or UTM metres with no zone number" in message and "EPSG:4547 for 114°E" in message


def test_northing_first_without_a_crs_is_said_to_be_swapped():
    layer = swapped(homes(4526)).set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match=r"has no CRS.*zone 38 .* with the northing first.*; swap x and y"):
        require_crs(layer, "homes")


# --- a zone the numbers carry no sign of: found against the walking network


@pytest.mark.parametrize("label", [4548, 4509, 32650])
def test_stations_in_another_zone_than_declared_are_named_with_the_zone_they_fit(label):
    """CM 114E numbers (EPSG:4547) saved as CM 117E (EPSG:4548), as the 6-degree zone (4509) or as
    UTM 50N (32650, the same false easting) lie 300 km east; the error said only 'the nearest is
    304.3 km away'. It now names the CRS under which they lie on the network."""
    import spatial

    net = spatial.read_network(street(4326))
    with pytest.raises(NetworkError, match=r"no station lies within .*'stations' lies 3\d\d km from the walking "
                                           rf"network read in EPSG:{label} .* but on it read in EPSG:4547 "):
        spatial.walking_coverage(homes(4326), relabelled(stations(4547), label), net, meters=[300])


def test_homes_in_another_zone_than_declared_are_refused_not_counted_unreachable(tmp_path, capsys):
    """Stations right, homes in CM 114E numbers labelled CM 117E: `spatial coverage` wrote its
    outputs and said 'households covered: 15min 0.0%', every unit 'not reached', exit 0. It now
    stops in one line naming the zone the homes fit, and writes nothing."""
    from spatial.cli import main

    street(4326).to_file(tmp_path / "roads.gpkg")
    stations(4326).to_file(tmp_path / "st.gpkg")
    relabelled(homes(4547), 4548).to_file(tmp_path / "homes.gpkg")
    out = tmp_path / "cov.gpkg"
    code = main(["-q", "coverage", *(str(tmp_path / f) for f in ("roads.gpkg", "st.gpkg", "homes.gpkg")),
                 "--out", str(out), "--meters", "300"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and not out.exists() and not list(tmp_path.glob("cov*"))
    assert len(err) == 1 and "no home of the demand lies near the walking network" in err[0], err
    assert "read in EPSG:4548" in err[0] and "on it read in EPSG:4547" in err[0]


def test_homes_a_street_away_from_the_network_are_still_scored():
    # homes 2 km off the only street (not another place): unreachable rows, not an error
    import spatial

    far = homes(4326).set_geometry([Point(x, 22.55) for x, _ in HOMES_LONLAT], crs=4326)
    out = spatial.walking_coverage(far, stations(4326), spatial.read_network(street(4326)), meters=[300])
    assert out["access"].tolist() == ["unreachable"] * 4


# --- the same answers from every Chinese CRS


@pytest.mark.parametrize("epsg", [4547, 4526, 4498, 4509, 2383, 2435])
def test_walks_are_the_same_from_every_gauss_krueger_zone(epsg):
    """Homes and stations in CGCS2000 3-degree zones with and without the zone number, the
    6-degree zone with and without it, Xi'an 1980 and Beijing 1954: every walk within 1 mm of the
    EPSG:4326 run's (walks are measured in the network's CRS; the round trip through the zone
    moves a point by under 0.1 mm, Beijing 1954's datum shift by under 1 mm)."""
    import spatial

    net = spatial.read_network(street(4326))
    base = spatial.walking_coverage(homes(4326), stations(4326), net, meters=[300, 500])
    again = spatial.walking_coverage(homes(epsg), stations(epsg), net, meters=[300, 500])
    assert again.crs.to_epsg() == epsg and again.index.tolist() == base.index.tolist()
    assert again["walk_m"].to_numpy() == pytest.approx(base["walk_m"].to_numpy(), abs=1e-3)
    assert again["band"].tolist() == base["band"].tolist()


# --- tables of surveyed points


def test_a_survey_table_with_x_north_is_named_swapped_with_the_columns_to_give(tmp_path):
    """A 住建局 station list in CGCS2000 metres with X坐标 the northing (as surveyors write it)
    read with crs='EPSG:4547' came back as points at 131.7E 4.4N without a word: x坐标 is taken
    for the easting. It is now refused, naming the columns to give."""
    from spatial.io.layers import read_points_table

    xy = shapely.get_coordinates(stations(4547).geometry.values)[0]
    path = tmp_path / "stations.csv"
    path.write_text(f"name,X坐标,Y坐标\n福田站,{xy[1]:.1f},{xy[0]:.1f}\n", encoding="utf-8")
    with pytest.raises(CRSError, match=r"'stations\.csv' declares EPSG:4547 .*swapped.*lon_col='Y坐标', "
                                       r"lat_col='X坐标'"):
        read_points_table(path, crs="EPSG:4547")
    good = read_points_table(path, crs="EPSG:4547", lon_col="Y坐标", lat_col="X坐标").to_crs(4326)
    assert (good.geometry.x.iloc[0], good.geometry.y.iloc[0]) == pytest.approx(STATION_LONLAT, abs=1e-6)


def test_a_table_of_zone_eastings_read_as_degrees_is_told_its_zone(tmp_path):
    from spatial.core.errors import ColumnError
    from spatial.io.layers import read_points_table

    xy = shapely.get_coordinates(stations(4526).geometry.values)[0]
    path = tmp_path / "stations.csv"
    path.write_text(f"name,x,y\n福田站,{xy[0]:.1f},{xy[1]:.1f}\n", encoding="utf-8")
    with pytest.raises(ColumnError, match=r"coordinates out of range.*zone 38 .*EPSG:4526 in CGCS2000"):
        read_points_table(path)


# --- Xi'an 1980: no published shift to WGS-84


def test_a_xian_1980_layer_is_read_with_a_warning_that_it_may_lie_off(tmp_path, caplog):
    """PROJ moves Xi'an 1980 to WGS-84 by a 'ballpark' offset of zero (no transformation is
    published), so real Xi'an 1980 data lie tens of metres off an OpenStreetMap network; nothing
    said so. Reading such a file now warns; CGCS2000 and Beijing 1954 (which has one) do not."""
    import logging

    for epsg in (2383, 4547, 2435):
        homes(epsg).to_file(tmp_path / f"h{epsg}.gpkg")
    with caplog.at_level(logging.WARNING, logger="spatial"):
        read_layer(tmp_path / "h2383.gpkg")
        read_layer(tmp_path / "h4547.gpkg")
        read_layer(tmp_path / "h2435.gpkg")
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(said) == 1 and "h2383.gpkg" in said[0] and "Xian 1980 (EPSG:2383" in said[0], said
    assert "no datum shift" in said[0] and "CGCS2000" in said[0]


# --- units, communities and roads in different CRSs


def test_cli_grids_name_the_zone_of_units_that_miss_their_communities(tmp_path, capsys):
    """Units in CM 114E numbers labelled CM 117E, communities in degrees: the error said 'no unit
    lies inside any community ... check that both layers are the same place'; it now names the
    CRS under which the units lie in their communities."""
    from spatial.cli import main

    units, comms = blocks(4547)
    relabelled(units, 4548).to_file(tmp_path / "units.gpkg")
    comms.to_crs(4326).to_file(tmp_path / "communities.gpkg")
    out = tmp_path / "grids.gpkg"
    code = main(["grids", str(tmp_path / "communities.gpkg"), str(tmp_path / "units.gpkg"), "--min", "200",
                 "--max", "700", "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and not out.exists()
    assert len(err) == 1 and "read in EPSG:4548" in err[0] and "on it read in EPSG:4547" in err[0], err
    # the right label: the same grids as from one CRS
    units.to_file(tmp_path / "units.gpkg")
    assert main(["-q", "grids", str(tmp_path / "communities.gpkg"), str(tmp_path / "units.gpkg"), "--min", "200",
                 "--max", "700", "--out", str(out)]) == 0


def test_partition_grids_names_the_zone_of_communities_that_miss_their_units():
    import spatial

    units, comms = blocks(4326)
    with pytest.raises(GeometryError, match=r"no unit lies inside any community.*'communities' lies 3\d\d km from "
                                            r"'units' read in EPSG:4548 .*on it read in EPSG:4547"):
        spatial.partition_grids(units, relabelled(comms.to_crs(4547), 4548), min_households=200, max_households=700)


def test_roads_a_zone_away_from_the_communities_are_named_in_a_warning(caplog):
    """Communities and units both under the wrong zone's label, roads from OpenStreetMap: the
    grids were drawn 300 km east with one report row ('no road comes within 100 m'), which the
    command line only counts. The row and a warning now name the zone the communities fit."""
    import logging

    import spatial

    units, comms = blocks(4547)
    with caplog.at_level(logging.WARNING, logger="spatial"):
        res = spatial.partition_grids(relabelled(units, 4548), relabelled(comms, 4548), roads=street(4326),
                                      min_households=200, max_households=700)
    said = [r.getMessage() for r in caplog.records if "no road comes within 100 m" in r.getMessage()]
    assert len(said) == 1 and "'communities' lies 3" in said[0] and "on it read in EPSG:4547" in said[0], said
    row = res.report[res.report["layer"] == "roads"]["problem"].iloc[0]
    assert "EPSG:4547" in row


def test_a_road_layer_in_another_zone_than_declared_is_named_as_the_one_off(tmp_path, capsys):
    """The roads (CM 114E numbers under CM 117E's EPSG:4548) are the layer 300 km off, the stations
    and homes are right: the error named no layer's CRS; it now names the network's."""
    from spatial.cli import main

    relabelled(street(4547), 4548).to_file(tmp_path / "roads.gpkg")
    stations(4326).to_file(tmp_path / "st.gpkg")
    homes(4326).to_file(tmp_path / "homes.gpkg")
    code = main(["-q", "coverage", *(str(tmp_path / f) for f in ("roads.gpkg", "st.gpkg", "homes.gpkg")),
                 "--out", str(tmp_path / "cov.gpkg"), "--meters", "300"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert "the walking network lies 3" in err[0] and "read in EPSG:4548" in err[0] and "EPSG:4547" in err[0]


# --- a project file names the CRS of a file that declares none


def test_a_project_input_without_prj_is_read_in_the_crs_the_project_names(tmp_path):
    """A project could not use a shapefile without .prj (nor a CSV of metres): the message said
    'add its .prj file (from Python: read_layer(..., crs=...))' and the project file had no key
    for it. An input's crs = "EPSG:..." now says what such a file is in (and the run log keeps
    it); the network, whose crs would mean something else, is refused it."""
    from spatial.core.errors import SpatialError
    from spatial.project._inputs import read_input
    from spatial.project.config import load_project

    units, comms = blocks(4547)
    units = units[["unit_id", "households", "geometry"]]  # a shapefile's names are 10 characters at most
    units.to_file(tmp_path / "units.shp")
    (tmp_path / "units.prj").unlink()
    comms.to_file(tmp_path / "communities.gpkg")
    xy = shapely.get_coordinates(stations(4547).geometry.values)[0]
    (tmp_path / "stations.csv").write_text(f"station_id,name,y,x\nS1,站,{xy[1]:.2f},{xy[0]:.2f}\n", encoding="utf-8")
    text = ('[inputs]\ncommunities = "communities.gpkg"\nunits = { path = "units.shp", crs = "EPSG:4547" }\n'
            'stations = { path = "stations.csv", crs = "EPSG:4547" }\n'
            '[grids]\nmin_households = 200\nmax_households = 700\n')
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    project = load_project(tmp_path / "p.toml")
    read = read_input(project.inputs["units"], "units")
    assert read.crs.to_epsg() == 4547
    assert shapely.equals_exact(shapely.normalize(read.geometry.to_crs(4326).values),
                                shapely.normalize(units.to_crs(4326).geometry.values), 1e-9).all()
    table = read_input(project.inputs["stations"], "stations").to_crs(4326)
    assert (table.geometry.x.iloc[0], table.geometry.y.iloc[0]) == pytest.approx(STATION_LONLAT, abs=1e-6)
    bad = text.replace('units = { path = "units.shp", crs = "EPSG:4547" }', 'units = { path = "units.shp", crs = "4547E" }')
    (tmp_path / "bad.toml").write_text(bad, encoding="utf-8")
    with pytest.raises(SpatialError, match=r"crs.*a CRS PROJ knows, such as \"EPSG:4547\""):
        load_project(tmp_path / "bad.toml")
    net = text + '[coverage]\nmeters = [300]\n'
    street(4326).to_file(tmp_path / "roads.gpkg")
    net = net.replace("[inputs]\n", '[inputs]\nnetwork = { path = "roads.gpkg", crs = "EPSG:4547" }\n')
    (tmp_path / "net.toml").write_text(net, encoding="utf-8")
    with pytest.raises(SpatialError, match=r"input 'network' has crs, which is for a layer or table whose file "
                                           r"declares none"):
        load_project(tmp_path / "net.toml")


def test_siting_refuses_homes_in_another_zone_rather_than_finding_no_site():
    """The same homes given to the siting: 'no site for k=1: no candidate is left', an empty
    sites layer and every home 'too far from network'. Refused now as the coverage refuses them."""
    import spatial

    net = spatial.read_network(street(4326))
    with pytest.raises(NetworkError, match=r"no home of the demand lies near the walking network.*on it read in "
                                           r"EPSG:4547"):
        spatial.site_stations(relabelled(homes(4547), 4548), stations(4326), net, k=1, meters=[300], band="300m")
    right = spatial.site_stations(homes(4547), stations(4326), net, k=1, meters=[300], band="300m")
    assert not right.report["problem"].astype(str).str.contains("too far from network").any()


def test_zone_38_eastings_under_another_meridian_without_a_zone_are_told_zone_38():
    # 38 5xx xxx under CM 117E's EPSG:4548 (no room for a zone number): the message named 'the same
    # projection with false easting 38,500,000' (CM 117E, not a CRS at all); zone 38 is CM 114E
    with pytest.raises(CRSError, match=r"zone number \(38\).*they fit EPSG:4526 \(CGCS2000 / 3-degree Gauss-Kruger "
                                       r"zone 38\)"):
        require_crs(relabelled(homes(4526), 4548), "homes")


def test_latitude_first_under_a_degrees_label_is_not_called_a_city_system():
    layer = gpd.GeoDataFrame(geometry=[Point(22.5301, 114.04)], crs=4326)
    with pytest.raises(CRSError, match=r"look like latitude first, then longitude: swap x and y") as info:
        require_crs(layer, "stations")
    assert "city" not in str(info.value)


def test_cli_coverage_stores_stations_and_communities_in_the_demands_crs_too(tmp_path):
    """Homes in EPSG:4547, stations in degrees, communities in zone 38 (EPSG:4526): the GeoPackage
    held layers in three CRSs, though the docs say each is stored in the demand's, like the
    service areas and gaps; a script measuring stations against homes in it measured degrees
    against metres. Every layer is now in the demand's CRS, the stations where they were."""
    import pyogrio

    from spatial.cli import main

    street(4326).to_file(tmp_path / "roads.gpkg")
    stations(4326).to_file(tmp_path / "st.gpkg")
    homes(4547).to_file(tmp_path / "homes.gpkg")
    _, comms = blocks(4526)
    comms.to_file(tmp_path / "comms.gpkg")
    out = tmp_path / "cov.gpkg"
    assert main(["-q", "coverage", *(str(tmp_path / f) for f in ("roads.gpkg", "st.gpkg", "homes.gpkg")),
                 "--communities", str(tmp_path / "comms.gpkg"), "--out", str(out), "--meters", "300"]) == 0
    crs = {name: pyogrio.read_info(out, layer=name)["crs"] for name, kind in pyogrio.list_layers(out) if kind}
    assert crs == dict.fromkeys(["demand", "stations", "communities", "isochrones", "gaps"], "EPSG:4547"), crs
    at = gpd.read_file(out, layer="stations").to_crs(4326).geometry.iloc[0]
    assert (at.x, at.y) == pytest.approx(STATION_LONLAT, abs=1e-9)


def test_layers_in_different_crss_a_few_kilometres_apart_are_not_read_as_another_zone():
    # a station 10 km from the communities' box (another datum on the same meridian would move the
    # communities by metres only): validated as before, not refused as a zone away
    import spatial

    _, comms = blocks(4547)
    far = gpd.GeoDataFrame({"station_id": ["S9"]}, geometry=[Point(114.16, 22.53)], crs=4326)
    layers, _ = spatial.validate_inputs(communities=comms, stations=far)
    assert layers["stations"].crs.to_epsg() == 4547
    _, comms_xian = blocks(2383)
    layers, _ = spatial.validate_inputs(communities=comms_xian, stations=far)
    assert layers["stations"].crs.to_epsg() == 2383
