"""``spatial run PROJECT.toml --scheduler local`` gives the same grids, coverage, gaps and new sites
as one process, with the project file's defaults (no max_walk_m given): the households each site
brings within 5, 10 and 15 minutes and which gaps it fills too."""

import geopandas as gpd
import numpy as np
import pandas as pd
from conftest import DEMO_INPUTS

from spatial.cli import main

PROJECT = f"""
[project]
name = "province check"
{DEMO_INPUTS}[siting]
k = 3
[outputs]
maps = false
workbook = false
png = false
[distributed]
n_workers = 2
"""


def test_dask_run_equals_single_process_run(tmp_path):
    project = tmp_path / "p.toml"
    project.write_text(PROJECT, encoding="utf-8")
    assert main(["-q", "run", str(project), "--out", str(tmp_path / "one")]) == 0
    assert main(["-q", "run", str(project), "--out", str(tmp_path / "dask"), "--scheduler", "local"]) == 0
    for layer, key, cols in (("grids", "grid_id", ["community_id", "households", "population", "grid_code"]),
                             ("units", "unit_id", ["grid_id"]),
                             ("coverage_demand", "unit_id", ["band", "nearest_station", "grid_id"])):
        one = gpd.read_file(tmp_path / "one" / "results.gpkg", layer=layer).set_index(key).sort_index()
        got = gpd.read_file(tmp_path / "dask" / "results.gpkg", layer=layer).set_index(key).sort_index()
        assert len(one) == len(got) > 0
        pd.testing.assert_frame_equal(pd.DataFrame(got[cols]), pd.DataFrame(one[cols]), check_dtype=False)
        assert got.geometry.geom_equals_exact(one.geometry, tolerance=1e-9).all()
    one = gpd.read_file(tmp_path / "one" / "results.gpkg", layer="coverage_demand").set_index("unit_id").sort_index()
    got = gpd.read_file(tmp_path / "dask" / "results.gpkg", layer="coverage_demand").set_index("unit_id").sort_index()
    np.testing.assert_allclose(got["walk_m"], one["walk_m"], atol=1e-6)
    # the sites and the gaps they fill: the same columns, the same values
    for layer, fills in (("sites", ["new_hh_5min", "new_hh_10min", "new_hh_15min", "gaps"]),
                         ("gaps", ["filled_by", "households_filled"])):
        one = gpd.read_file(tmp_path / "one" / "results.gpkg", layer=layer)
        got = gpd.read_file(tmp_path / "dask" / "results.gpkg", layer=layer)
        assert set(fills) <= set(one.columns) and len(one) > 0
        pd.testing.assert_frame_equal(pd.DataFrame(got.drop(columns="geometry")),
                                      pd.DataFrame(one.drop(columns="geometry")))
        assert got.geometry.geom_equals_exact(one.geometry, tolerance=1e-9).all()
    for name in ("gaps.csv",):  # and the table an official opens
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "dask" / name), pd.read_csv(tmp_path / "one" / name))
