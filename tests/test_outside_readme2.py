"""The README and docs followed word by word by a new user (an outside review, 7 December 2026).

The README says of walking networks "The report lists the CRS used and what each rule dropped",
and docs/estimated-walks.md that an OSM file's water is said in the network's report (row
``water``). ``spatial coverage`` writes those rows into its ``report`` layer; ``spatial site``,
which reads the same network with the same options (``--no-water-barriers``, ``--keep-private``,
``--dem``), wrote only the siting's own rows: a planner siting stations in a river town could not
tell from the file that the river had kept homes from walking over it, nor which ways were dropped.
"""
from __future__ import annotations

import pyogrio
import pytest

from spatial.cli import main
from test_outside_water import HOME, _homes, _station, _town


@pytest.fixture
def river_town(tmp_path):
    # a river 25 m wide between two streets and a footbridge; the water mapped as a natural=water
    # area 600 x 25 m (outline 1.250 km) and a waterway=river line
    osm = _town(tmp_path / "t.osm", "area+river")
    _homes(HOME).to_file(tmp_path / "units.gpkg")
    _station().to_file(tmp_path / "stations.gpkg")
    return [str(osm), str(tmp_path / "stations.gpkg"), str(tmp_path / "units.gpkg")]


def _report(path):
    return pyogrio.read_dataframe(path, layer="report")


def test_spatial_site_s_report_says_the_water_kept_off_the_legs(tmp_path, river_town):
    out = tmp_path / "sites.gpkg"
    assert main(["-q", "site", *river_town, "--k", "1", "--band", "85m", "--no-exact", "--out", str(out)]) == 0
    report = _report(out)
    water = report.loc[report["row_id"] == "water"]
    assert len(water) == 1
    assert water["problem"].iloc[0].startswith("water: 2 features (natural=water: 1, 1.250 km, waterway=river: 1")
    assert water["action"].iloc[0].startswith("used as barriers")
    # the file's degrees were measured in Shanghai's UTM zone, and the report says so
    crs = report.loc[report["row_id"] == "crs", "action"]
    assert len(crs) == 1 and "EPSG:32651" in crs.iloc[0]


def test_spatial_site_s_report_says_the_water_was_left_out_with_no_water_barriers(tmp_path, river_town):
    out = tmp_path / "sites.gpkg"
    assert main(["-q", "site", *river_town, "--k", "1", "--band", "85m", "--no-exact", "--no-water-barriers",
                 "--out", str(out)]) == 0
    water = _report(out).query("row_id == 'water'")
    assert water["action"].tolist() == [
        "not used as barriers (water_barriers=False, --no-water-barriers): legs to the network may cross them"]


def test_spatial_site_and_spatial_coverage_report_the_same_network_rows(tmp_path, river_town):
    assert main(["-q", "site", *river_town, "--k", "1", "--band", "85m", "--no-exact",
                 "--out", str(tmp_path / "s.gpkg")]) == 0
    assert main(["-q", "coverage", *river_town, "--meters", "85", "--no-isochrones",
                 "--out", str(tmp_path / "c.gpkg")]) == 0
    site, cov = _report(tmp_path / "s.gpkg"), _report(tmp_path / "c.gpkg")
    rows = ["layer", "row_id", "problem", "action"]
    network_rows = cov.loc[cov["layer"] == "network", rows]
    assert len(network_rows) >= 2  # the CRS and the water at least
    assert site.loc[site["layer"] == "network", rows].values.tolist() == network_rows.values.tolist()


# ------------------------------------------------------------------ an option a command does not take

@pytest.mark.parametrize("argv, command, option", [
    (["demo", "--out", "maps", "--lang", "en"], "demo", "--lang en"),  # docs/maps.md's --lang is spatial map's
    (["grids", "c.gpkg", "u.gpkg", "--out", "g.gpkg", "--colour", "red"], "grids", "--colour red"),
    (["-q", "coverage", "n.graphml", "s.csv", "u.gpkg", "--out", "c.gpkg", "--tiles", "osm"], "coverage",
     "--tiles osm"),
])
def test_an_option_the_command_does_not_take_names_the_command_and_its_help(argv, command, option, capsys):
    # was "spatial: error: unrecognized arguments: --lang en (see 'spatial -h')": the help of the
    # commands' list, not of the options the user was typing
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == f"spatial {command}: error: unrecognized arguments: {option} (see 'spatial {command} -h')\n"
