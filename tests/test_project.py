"""Project files: parsing, defaults and the errors a planner sees for a wrong file."""

from pathlib import Path

import pytest

from spatial import InputFileError, SpatialError
from spatial.project.config import load_project


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "a.gpkg").write_bytes(b"")
    (tmp_path / "net.graphml").write_bytes(b"")
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """
[project]
name = "测试项目"
[inputs]
network = "net.graphml"
communities = { path = "a.gpkg", layer = "communities" }
units = { path = "a.gpkg", layer = "units", households_col = "户数" }
"""


def test_paths_are_resolved_relative_to_the_file_and_defaults_filled(tmp_path):
    project = load_project(_write(tmp_path, MINIMAL))
    assert project.name == "测试项目"
    assert project.inputs["units"].path == (tmp_path / "a.gpkg").resolve()
    assert project.inputs["units"].layer == "units"
    assert project.inputs["units"].options == {"households_col": "户数"}
    assert project.inputs["network"].path.name == "net.graphml"
    assert project.grids["min_households"] == 300 and project.grids["max_households"] == 500
    assert project.coverage["minutes"] == [5, 10, 15]
    assert project.output == (tmp_path / "out").resolve()


def test_the_demo_project_file_parses():
    project = load_project(Path(__file__).resolve().parents[1] / "data" / "demo_project.toml")
    assert set(project.inputs) >= {"network", "communities", "units", "stations"}
    assert project.siting["k"] == 3


def test_missing_project_file_is_named(tmp_path):
    with pytest.raises(InputFileError, match="nope.toml does not exist"):
        load_project(tmp_path / "nope.toml")


def test_bad_toml_is_reported(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text("[inputs\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="not valid TOML"):
        load_project(path)


def test_missing_input_file_names_the_input(tmp_path):
    path = _write(tmp_path, MINIMAL.replace("net.graphml", "missing.graphml"))
    with pytest.raises(InputFileError, match="input 'network' file .*missing.graphml does not exist"):
        load_project(path)


def test_unknown_section_and_keys_are_refused(tmp_path):
    with pytest.raises(SpatialError, match=r"unknown section\(s\) \['grid'\]"):
        load_project(_write(tmp_path, MINIMAL + "[grid]\nmin = 3\n"))
    with pytest.raises(SpatialError, match=r"\[grids\] has unknown key\(s\) \['min'\]"):
        load_project(_write(tmp_path, MINIMAL + "[grids]\nmin = 3\n"))
    with pytest.raises(SpatialError, match="input 'units' has unknown key"):
        load_project(_write(tmp_path, MINIMAL.replace('households_col', 'hh_column')))


def test_communities_and_units_are_required(tmp_path):
    text = MINIMAL.replace('units = { path = "a.gpkg", layer = "units", households_col = "户数" }', "")
    with pytest.raises(SpatialError, match=r"\[inputs\] needs 'units'"):
        load_project(_write(tmp_path, text))


def test_grids_blocks_names_a_column_and_nothing_else(tmp_path):
    project = load_project(_write(tmp_path, MINIMAL + '[grids]\nblocks = "街坊"\n'))
    assert project.grids["blocks"] == "街坊"
    assert load_project(_write(tmp_path, MINIMAL)).grids["blocks"] is None
    with pytest.raises(SpatialError, match=r"\[grids\] key 'blocks' must be the name of the units' block"):
        load_project(_write(tmp_path, MINIMAL + "[grids]\nblocks = 3\n"))


def test_grids_balance_is_band_unless_equal_is_asked_for(tmp_path):
    assert load_project(_write(tmp_path, MINIMAL)).grids["balance"] == "band"
    project = load_project(_write(tmp_path, MINIMAL + '[grids]\nbalance = "equal"\n'))
    assert project.grids["balance"] == "equal"
    with pytest.raises(SpatialError, match=r"\[grids\] key 'balance' must be \"band\" .* or \"equal\""):
        load_project(_write(tmp_path, MINIMAL + '[grids]\nbalance = "even"\n'))


def test_keep_private_is_a_network_option_only(tmp_path):
    text = MINIMAL.replace('network = "net.graphml"', 'network = { path = "net.graphml", keep_private = true }')
    assert load_project(_write(tmp_path, text)).inputs["network"].options == {"keep_private": True}
    with pytest.raises(SpatialError, match="only the network input takes"):
        load_project(_write(tmp_path, MINIMAL.replace('layer = "communities"', 'layer = "communities", keep_private = true')))
    # the keys of one input elsewhere would be ignored: refused, naming where they go
    for key, only in (("floors_col", "buildings"), ("grid_id_col", "plan")):
        with pytest.raises(SpatialError, match=f"input 'units' has {key}, which only the {only} input takes"):
            load_project(_write(tmp_path, MINIMAL.replace('households_col = "户数"', f'{key} = "x"')))
    with pytest.raises(SpatialError, match="keep_private must be true or false"):
        load_project(_write(tmp_path, text.replace("keep_private = true", 'keep_private = "yes"')))


def test_keep_private_reaches_the_network_reader(tmp_path):
    from test_network_readers import SHORTCUTS, ladder_xml

    from spatial.project.config import InputSpec
    from spatial.project.pipeline import read_input

    path = tmp_path / "ladder.osm"
    path.write_text(ladder_xml({k: bad for k, (bad, _) in SHORTCUTS.items()}))
    kept = read_input(InputSpec(path=path, layer=None, options={"keep_private": True}), "network")
    dropped = read_input(InputSpec(path=path, layer=None, options={}), "network")
    assert kept.length_m.sum() == pytest.approx(dropped.length_m.sum() + 200, abs=2)  # the private rung


def test_grids_street_gap_and_restarts_are_checked(tmp_path):
    project = load_project(_write(tmp_path, MINIMAL + '[grids]\nbalance = "equal"\nrestarts = 4\nstreet_gap_m = 45\n'))
    assert (project.grids["restarts"], project.grids["street_gap_m"]) == (4, 45)
    assert load_project(_write(tmp_path, MINIMAL)).grids["street_gap_m"] == 30.0
    with pytest.raises(SpatialError, match="restarts is for equal grids"):
        load_project(_write(tmp_path, MINIMAL + "[grids]\nrestarts = 4\n"))
    with pytest.raises(SpatialError, match="restarts' must be a whole number"):
        load_project(_write(tmp_path, MINIMAL + '[grids]\nbalance = "equal"\nrestarts = 2.5\n'))
    with pytest.raises(SpatialError, match="restarts' must be a whole number of runs from 0 to 99"):
        load_project(_write(tmp_path, MINIMAL + '[grids]\nbalance = "equal"\nrestarts = 100\n'))
    with pytest.raises(SpatialError, match="street_gap_m' must be a width in metres"):
        load_project(_write(tmp_path, MINIMAL + "[grids]\nstreet_gap_m = 0\n"))
    project = load_project(_write(tmp_path, MINIMAL + '[grids]\nbalance = "equal"\nmax_deviation_pct = 10\n'))
    assert project.grids["max_deviation_pct"] == 10
    with pytest.raises(SpatialError, match="max_deviation_pct is for equal grids"):
        load_project(_write(tmp_path, MINIMAL + "[grids]\nmax_deviation_pct = 10\n"))
    with pytest.raises(SpatialError, match="max_deviation_pct' must be a percentage from 1 to 100"):
        load_project(_write(tmp_path, MINIMAL + '[grids]\nbalance = "equal"\nmax_deviation_pct = 0\n'))


def test_grids_options_of_a_project_reach_the_engine(tmp_path, monkeypatch):
    import spatial.grids.partition as grids
    from spatial.core.checks import Report
    from spatial.project.pipeline import _grids

    seen = {}

    def spy(units, communities, **kw):
        seen.update(kw)
        raise RuntimeError("stop here")

    monkeypatch.setattr(grids, "partition_grids", spy)
    project = load_project(_write(tmp_path, MINIMAL + '[grids]\nbalance = "equal"\nrestarts = 4\nstreet_gap_m = 45\n'))
    with pytest.raises(RuntimeError, match="stop here"):
        _grids(project, {"units": None, "communities": None}, Report())
    assert (seen["restarts"], seen["street_gap_m"], seen["balance"]) == (4, 45, "equal")


def test_grids_max_deviation_reaches_the_engine(tmp_path):
    # the two-block town of test_grids_balance: within 25% the street plan (320 / 480) wins
    from test_grids_balance import two_block_town

    from spatial.core.checks import Report
    from spatial.project.pipeline import _grids

    units, comm, roads = two_block_town()
    text = MINIMAL.replace(', households_col = "户数"', "") + '[grids]\nbalance = "equal"\nmax_deviation_pct = '
    for pct, sizes in ((25, [320, 480]), (5, [400, 400])):
        layers = {"units": units, "communities": comm, "roads": roads}
        _grids(load_project(_write(tmp_path, f"{text}{pct}\n")), layers, Report())
        assert sorted(layers["grids"]["households"]) == sizes


#: The end of a project file that draws grids only (no network, no coverage, no maps).
GRIDS_ONLY = """[coverage]
enabled = false
[outputs]
maps = false
workbook = false
png = false
"""


def three_grid_town(tmp_path):
    """The row of three grids of test_redraw written to town.gpkg; its units, community and plan."""
    from test_redraw import row_of_three_grids

    units, comm, plan = row_of_three_grids()
    units.to_file(tmp_path / "town.gpkg", layer="units")
    comm.to_file(tmp_path / "town.gpkg", layer="communities")
    return units, comm, plan


#: ``[inputs]`` lines reading :func:`three_grid_town`.
TOWN_INPUTS = ('communities = { path = "town.gpkg", layer = "communities" }\n'
               'units = { path = "town.gpkg", layer = "units" }\n')


def buildings_town(tmp_path):
    """Sixty building points with 户数 (b.gpkg) in one community of 400 x 200 m (c.gpkg) at
    (500,000, 2,500,000) in UTM 50N; their households."""
    import geopandas as gpd
    import numpy as np
    import shapely

    rng = np.random.default_rng(3)
    pts = rng.uniform([500_010, 2_500_010], [500_390, 2_500_190], (60, 2))
    hh = rng.integers(5, 40, 60)
    gpd.GeoDataFrame({"户数": hh}, geometry=shapely.points(pts), crs="EPSG:32650").to_file(tmp_path / "b.gpkg")
    gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(500_000, 2_500_000, 500_400, 2_500_200)],
                     crs="EPSG:32650").to_file(tmp_path / "c.gpkg")
    return hh


def project_file(tmp_path, name, inputs, rest=""):
    """``p.toml`` of a project ``name`` writing to ``out``: ``inputs`` (the lines of [inputs]), then ``rest``."""
    path = tmp_path / "p.toml"
    path.write_text(f'[project]\nname = "{name}"\noutput = "out"\n[inputs]\n{inputs}{rest}', encoding="utf-8")
    return path


def test_a_plan_input_is_redrawn_not_drawn_anew(tmp_path):
    # [inputs] plan: the plan is redrawn (moving as few units as it can) and the moves are kept;
    # with max_deviation_pct its grids come within the rule of their community's mean
    from test_redraw import row_of_three_grids

    from spatial.core.checks import Report
    from spatial.project.pipeline import _grids

    units, comm, plan = row_of_three_grids()
    plan.to_csv(tmp_path / "plan.csv", index=False)
    text = MINIMAL.replace(', households_col = "户数"', "") + 'plan = "plan.csv"\n'
    layers = {"units": units, "communities": comm, "plan": plan}
    _grids(load_project(_write(tmp_path, text)), layers, Report())
    assert sorted(layers["grids"]["households"]) == [340, 400, 460] and len(layers["moves"]) == 0
    layers = {"units": units, "communities": comm, "plan": plan}
    _grids(load_project(_write(tmp_path, text + "[grids]\nmax_deviation_pct = 5\n")), layers, Report())
    assert sorted(layers["grids"]["households"]) == [400, 400, 400]
    assert sorted(layers["moves"]["unit_id"]) == ["U04", "U09"]


def test_a_plan_input_refuses_the_options_of_a_new_drawing(tmp_path):
    (tmp_path / "plan.csv").write_text("unit_id,grid_id\n", encoding="utf-8")
    text = MINIMAL + 'plan = "plan.csv"\n'
    for extra in ("restarts = 3", 'balance = "equal"'):
        with pytest.raises(SpatialError, match=r"is for drawing new grids; the plan in \[inputs\] plan is redrawn"):
            load_project(_write(tmp_path, f"{text}[grids]\n{extra}\n"))
    assert load_project(_write(tmp_path, f"{text}[grids]\nmax_deviation_pct = 10\n")).grids["max_deviation_pct"] == 10
    with pytest.raises(SpatialError, match="plan is redrawn by the grid step, which \\[grids\\] enabled = false"):
        load_project(_write(tmp_path, f"{text}[grids]\nenabled = false\n"))


def test_spatial_run_redraws_a_plan_and_writes_its_moves(tmp_path, capsys):
    import geopandas as gpd
    import pandas as pd
    from test_redraw import row_of_three_grids

    from spatial.cli import main

    units, comm, plan = row_of_three_grids()
    units.to_file(tmp_path / "town.gpkg", layer="units")
    comm.to_file(tmp_path / "town.gpkg", layer="communities")
    plan.to_csv(tmp_path / "plan.csv", index=False)
    text = """[project]
name = "redraw"
output = "out"
[inputs]
communities = { path = "town.gpkg", layer = "communities" }
units = { path = "town.gpkg", layer = "units" }
plan = "plan.csv"
[grids]
max_deviation_pct = 5
""" + GRIDS_ONLY
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    assert main(["run", str(tmp_path / "p.toml")]) == 0
    assert "plan redrawn: 2 units moved" in capsys.readouterr().out
    assert sorted(pd.read_csv(tmp_path / "out" / "moves.csv")["unit_id"]) == ["U04", "U09"]
    assert sorted(gpd.read_file(tmp_path / "out" / "results.gpkg", layer="grids")["households"]) == [400] * 3
    # the same plan typed with Chinese headers (the workbook's own words for the columns)
    plan.rename(columns={"unit_id": "单元编号", "grid_id": "网格号"}).to_csv(tmp_path / "plan.csv", index=False)
    (tmp_path / "p.toml").write_text(text.replace('output = "out"', 'output = "out_zh"'), encoding="utf-8")
    assert main(["run", str(tmp_path / "p.toml")]) == 0
    assert sorted(pd.read_csv(tmp_path / "out_zh" / "moves.csv")["unit_id"]) == ["U04", "U09"]
    assert "using column 网格号 as grid_id" in capsys.readouterr().err
    # a plan matching none of the units: one line naming the file, nothing written (a plan naming
    # units removed since is redrawn as spatial grids --redraw does: tests/test_outside_redraw2.py)
    plan["unit_id"] = "X" + plan["unit_id"]
    plan.to_csv(tmp_path / "plan.csv", index=False)
    (tmp_path / "p.toml").write_text(text.replace('output = "out"', 'output = "out2"'), encoding="utf-8")
    assert main(["run", str(tmp_path / "p.toml")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'plan.csv'" in err and "XU00" in err
    assert not (tmp_path / "out2" / "results.gpkg").exists()


def test_units_or_buildings_not_both(tmp_path):
    (tmp_path / "b.gpkg").write_bytes(b"")
    with pytest.raises(SpatialError, match=r"needs 'units' or 'buildings', not both"):
        load_project(_write(tmp_path, MINIMAL + 'buildings = { path = "b.gpkg", floors_col = "层数" }\n'))
    only = MINIMAL.replace('units = { path = "a.gpkg", layer = "units", households_col = "户数" }\n',
                           'buildings = { path = "b.gpkg", households_col = "户数", floors_col = "层数" }\n')
    assert load_project(_write(tmp_path, only)).inputs["buildings"].options["floors_col"] == "层数"


def test_spatial_run_builds_units_from_buildings(tmp_path, capsys):
    # building points with 户数 in two street blocks: units are built (as --from-buildings), every
    # household lands in a unit and a grid
    import geopandas as gpd
    import shapely

    from spatial.cli import main

    hh = buildings_town(tmp_path)
    gpd.GeoDataFrame(geometry=[shapely.LineString([(500_200, 2_499_990), (500_200, 2_500_210)])],
                     crs="EPSG:32650").to_file(tmp_path / "r.gpkg")
    project_file(tmp_path, "buildings", 'communities = "c.gpkg"\nbuildings = { path = "b.gpkg", households_col = "户数" }\n'
                 'roads = "r.gpkg"\n', GRIDS_ONLY)
    assert main(["run", str(tmp_path / "p.toml")]) == 0
    units = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="units")
    grids = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="grids")
    assert len(units) >= 60 and units["households"].sum() == hh.sum() == grids["households"].sum()
    assert units["grid_id"].notna().all()
    # each unit names its building as QGIS does, by the GeoPackage's fid (read here with sqlite3)
    import sqlite3

    with sqlite3.connect(tmp_path / "b.gpkg") as db:
        fids = {f"fid {f}" for (f,) in db.execute("SELECT fid FROM b")}
    named = set(units["building_index"].dropna())
    assert len(named) >= 55 and named <= fids


def test_outputs_credits_are_a_list_of_the_datas_sources(tmp_path):
    project = load_project(_write(tmp_path, MINIMAL + '[outputs]\ncredits = ["住户数：XX区2025年房屋普查"]\n'))
    assert project.outputs["credits"] == ["住户数：XX区2025年房屋普查"]
    assert load_project(_write(tmp_path, MINIMAL)).outputs["credits"] == []
    for bad in ('"住户数"', "[1]", '[""]'):
        with pytest.raises(SpatialError, match=r"credits.*a list of the data's sources"):
            load_project(_write(tmp_path, MINIMAL + f"[outputs]\ncredits = {bad}\n"))


def test_spatial_run_credits_the_planners_sources_on_maps_png_editor_and_workbook(tmp_path):
    from spatial.cli import main

    three_grid_town(tmp_path)
    project_file(tmp_path, "credits", TOWN_INPUTS, '[coverage]\nenabled = false\n[outputs]\n'
                 'credits = ["住户数：XX区2025年房屋普查"]\n')
    assert main(["-q", "run", str(tmp_path / "p.toml")]) == 0
    out = tmp_path / "out"
    for page in ("grids.html", "grid_editor.html"):
        assert "住户数：XX区2025年房屋普查" in (out / page).read_text(encoding="utf-8"), page
    assert (out / "overview.png").exists()
    # the workbook's 说明 sheet (written with coverage) lists it among the data credits
    from spatial.project.pipeline import _about

    assert "住户数：XX区2025年房屋普查" in _about(load_project(tmp_path / "p.toml"), {})["credits"]
