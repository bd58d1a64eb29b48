"""Grid polygons agree with the units' grid_id: one rook rule, multi-part units, no swallowed units."""

from __future__ import annotations

import importlib.util
import os

import geopandas as gpd
import numpy as np
import pytest
import shapely
from test_grids import CRS, community, squares

from spatial.grids._prep import community_polygons
from spatial.grids.evaluate import evaluate_grids
from spatial.grids.partition import partition_grids


def test_a_grid_in_two_pieces_keeps_both_and_its_neighbour_takes_neither():
    # units A | B | A in a row: A's right-hand unit must stay A's, not be handed to B
    pieces = np.asarray([shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100), shapely.box(200, 0, 300, 100)],
                        dtype=object)
    a, b = community_polygons(shapely.box(0, 0, 300, 100), [np.array([0, 2]), np.array([1])], pieces)
    assert len(shapely.get_parts(a)) == 2 and a.area == pytest.approx(20_000)
    assert b.equals(pieces[1])


def test_slivers_between_units_still_go_to_a_grid():
    pieces = np.asarray([shapely.box(0, 0, 100, 100), shapely.box(101, 0, 200, 100)], dtype=object)
    a, b = community_polygons(shapely.box(0, 0, 200, 100), [np.array([0]), np.array([1])], pieces)
    assert a.area + b.area == pytest.approx(20_000)
    assert a.geom_type == "Polygon" and b.geom_type == "Polygon"


def _nc_counties():
    spec = importlib.util.find_spec("libpysal")  # located, not imported (importing it takes seconds)
    if spec is None:
        pytest.skip("libpysal (test extra) is not installed")
    path = os.path.join(os.path.dirname(spec.origin), "examples", "sids2", "sids2.shp")
    nc = gpd.read_file(path).set_crs("EPSG:4267")  # NAD27 degrees, as the file's metadata says
    return gpd.GeoDataFrame({"unit_id": nc["NAME"], "households": nc["BIR74"].astype(int)}, geometry=nc.geometry,
                            crs=nc.crs)


def test_north_carolina_counties_multi_part_units_polygons_match_labels():
    """Real multi-part units (libpysal's North Carolina counties, six in several parts)."""
    units = _nc_counties()
    assert (units.geom_type == "MultiPolygon").sum() == 6
    comm = gpd.GeoDataFrame({"community_id": ["NC"]}, geometry=[shapely.union_all(units.geometry.values)],
                            crs=units.crs)
    res = partition_grids(units, comm, n_grids=8, min_households=0, max_households=1e9)
    utm = res.grids.estimate_utm_crs()
    um, gm = res.units.to_crs(utm), res.grids.to_crs(utm).set_index("grid_id")
    # every unit lies inside its own grid's polygon, and in no other
    own = gm.geometry.reindex(um["grid_id"]).values
    outside = shapely.area(shapely.difference(um.geometry.values, shapely.buffer(own, 1.0)))
    assert outside.sum() < 1e-6 * um.area.sum()
    # the same pieces from the units and from the polygons, and the report explains each
    on_units = evaluate_grids(res.units, comm, min_households=0, max_households=1e9).grids
    polys = evaluate_grids(res.grids, comm, min_households=0, max_households=1e9)
    on_polys = polys.grids
    # the polygons as written (in NAD27 degrees) tile the community as their units do: the 10-100 µm
    # the return from metres moves them by is no crack nor land outside it (it read 156 m² of both)
    assert polys.summary.loc[0, "outside_m2"] < 0.01 and on_polys["outside_m2"].max() < 0.01
    assert not polys.report["problem"].str.contains("hairline").any()
    assert shapely.area(shapely.symmetric_difference(shapely.union_all(res.grids.geometry.values),
                                                     comm.geometry.iloc[0])) < 1e-6 * comm.geometry.iloc[0].area
    a = on_units.set_index("grid_id")["components"]
    b = on_polys.set_index("grid_id")["components"].reindex(a.index)
    assert (a == b).all()
    split = a[a > 1]
    rows = res.report[res.report["problem"].str.contains("separate pieces")].set_index("row_id")
    assert set(rows.index) == set(split.index)
    for gid, n in split.items():
        assert rows.loc[gid, "problem"].startswith(f"is {n} separate pieces")
        assert "several parts" in rows.loc[gid, "problem"]


def test_square_units_give_single_polygons_that_match_labels():
    units = squares(3, 3, 100)
    comm = community(shapely.box(0, 0, 300, 300))
    res = partition_grids(units, comm, n_grids=3)
    for gid, geom in res.grids.set_index("grid_id").geometry.items():
        mine = shapely.union_all(res.units.loc[res.units["grid_id"] == gid].geometry.values)
        assert geom.symmetric_difference(mine).area < 1e-6
    assert res.grids.crs == CRS


def test_north_carolina_counties_band_keeps_grids_compact_equal_evens_them_out():
    """Real units (libpysal's North Carolina counties, births of 1974 as households), a band of
    30,000-50,000: both balances put all eight grids in the band; "band" draws the more compact
    grids, "equal" the more even ones."""
    units = _nc_counties()
    comm = gpd.GeoDataFrame({"community_id": ["NC"]}, geometry=[shapely.union_all(units.geometry.values)],
                            crs=units.crs)
    res = {b: partition_grids(units, comm, min_households=30_000, max_households=50_000, balance=b)
           for b in ("band", "equal")}
    for r in res.values():
        assert len(r.grids) == 8 and (r.grids["band_status"] == "in").all()
        assert r.grids["households"].sum() == units["households"].sum()
    spread = {b: np.ptp(r.grids["households"]) for b, r in res.items()}
    pp = {b: r.grids["polsby_popper"].mean() for b, r in res.items()}
    assert spread["equal"] < spread["band"]
    assert pp["band"] > pp["equal"]


def test_slits_of_float_noise_inside_a_grid_are_not_holes():
    """Units whose shared edges lie nanometres apart (coordinates that went through degrees) left
    slits of no area inside their grid: on a city's 1,674 grids, 412 such holes 50-60 m long, each
    counted twice in the written polygon's perimeter (Polsby-Popper 0.321 where the table said
    0.392). A hole of float noise is filled; a courtyard of a few m² stays a hole."""
    from spatial.grids._prep import _without_noise_holes

    shell = [(0, 0), (100, 0), (100, 100), (0, 100)]
    slit = [(40, 50), (60, 50 + 1e-10), (50, 50), (40, 50)]  # 40 m long, no area
    court = [(20, 20), (22, 20), (22, 22), (20, 22)]  # 4 m²
    grid = shapely.Polygon(shell, [slit, court])
    split = shapely.MultiPolygon([shapely.Polygon(shell, [slit]), shapely.box(200, 0, 210, 10)])
    out = _without_noise_holes(np.array([grid, split, shapely.box(0, 0, 1, 1)], dtype=object))
    assert [len(p.interiors) for p in shapely.get_parts(out[0])] == [1]
    assert out[0].length == pytest.approx(400 + 8)  # the shell and the courtyard, no slit
    assert [len(p.interiors) for p in shapely.get_parts(out[1])] == [0, 0]
    assert out[1].length == pytest.approx(440)
    assert out[2].equals(shapely.box(0, 0, 1, 1)) and shapely.is_valid(out).all()


@pytest.mark.parametrize("shared_m, pieces", [(0.0, 2), (0.5, 2), (1.5, 1), (50.0, 1)])
def test_one_rook_rule_two_units_of_a_grid_sharing_under_1_m_are_two_pieces_said_as_such(shared_m, pieces):
    """Grid A's two squares meet at a corner or along an edge of ``shared_m``; the drawing's rule
    (a shared edge of 1 m or more) says whether they are one piece. Where the edge is shorter, the
    outline is one polygon, so the report says the pieces meet along a short edge, not that a gap
    no unit covers joins them (it said so before)."""
    a1 = shapely.box(0, 0, 100, 100)
    a2 = shapely.box(100, 100 - shared_m, 200, 200 - shared_m)
    assert shapely.intersection(a1, a2).length == pytest.approx(shared_m)  # the reference: shapely's own contact
    outline = shapely.box(0, 0, 200, 300)
    rest = list(shapely.get_parts(shapely.difference(outline, shapely.union(a1, a2))))
    units = gpd.GeoDataFrame({"unit_id": [f"u{i}" for i in range(2 + len(rest))], "households": 100,
                              "grid_id": ["A", "A"] + [f"B{i}" for i in range(len(rest))]},
                             geometry=[a1, a2, *rest], crs=CRS)
    res = evaluate_grids(units, community(outline), min_households=0, max_households=10**6)
    a = res.grids.set_index("grid_id").loc["A"]
    assert a["components"] == pieces
    assert len(shapely.get_parts(a.geometry)) == (2 if shared_m == 0 else 1)  # the outline as shapely unions it
    rows = res.report.loc[res.report["row_id"] == "A", "problem"].tolist()
    if pieces == 1:
        assert rows == []
    elif shared_m == 0:
        assert rows == ["is 2 separate pieces: its units fall into 2 groups sharing no edge"]
    else:
        assert rows == ["is 2 separate pieces: its units fall into 2 groups sharing no edge; some of them meet only "
                        "along edges shorter than the 1 m the drawing counts as shared, which its outline joins"]


@pytest.mark.parametrize("crack_m, said", [(0.0002, False), (0.05, True)])
def test_a_crack_narrower_than_a_millimetre_is_float_noise_a_few_centimetres_a_hairline(crack_m, said):
    """Two grid polygons a crack apart, the right one as far past the community's edge: 0.2 mm is
    the float noise of a round trip through another CRS (no row, nothing outside); 5 cm is an
    export's rounding, said in a row and measured outside."""
    grids = gpd.GeoDataFrame({"grid_id": ["A", "B"], "households": [400, 400]},
                             geometry=[shapely.box(0, 0, 100, 100), shapely.box(100 + crack_m, 0, 200 + crack_m, 100)],
                             crs=CRS)
    res = evaluate_grids(grids, community(shapely.box(0, 0, 200, 100)))
    rows = res.report["problem"].str.contains("hairline cracks")
    assert rows.any() == said
    assert res.summary.loc[0, "outside_m2"] == pytest.approx(100 * crack_m if said else 0.0)
    assert res.summary.loc[0, "gap_m2"] == 0.0
