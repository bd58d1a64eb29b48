"""多网合一: conflicts between departmental grid layers and one nested plan."""

from __future__ import annotations

import geopandas as gpd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, box

from spatial import ColumnError, CRSError, DuplicateIdError
from spatial.grids.merge import merge_grid_layers

CRS = "EPSG:32650"


def _layer(x0, prefix):
    """2 x 2 cells of 100 m from x0; id <prefix><column><row>, row 1 is the north row."""
    cells = {f"{prefix}{c}{r}": box(x0 + 100 * c, 100 * r, x0 + 100 * c + 100, 100 * r + 100)
             for c in range(2) for r in range(2)}
    return gpd.GeoDataFrame({"grid_id": list(cells)}, geometry=list(cells.values()), crs=CRS)


def _communities():
    return gpd.GeoDataFrame({"community_id": ["W", "E"]},
                            geometry=[box(0, 0, 100, 200), box(100, 0, 200, 200)], crs=CRS)


def test_half_cell_offset_gives_known_conflicts():
    res = merge_grid_layers({"综治": _layer(0, "a"), "城管": _layer(50, "b")}, _communities())
    c = res.conflicts
    assert list(c.columns) == ["layer_a", "grid_a", "layer_b", "grid_b", "kind", "area_m2", "geometry"]
    cuts = c[c.kind == "cut"]
    # per row of cells: a0|b0, a1|b0, a1|b1 overlap by 50 x 100 m and neither nests in the other
    assert len(cuts) == 6 and cuts["area_m2"].tolist() == pytest.approx([5000.0] * 6)
    assert set(zip(cuts.grid_a, cuts.grid_b)) == {
        ("a00", "b00"), ("a10", "b00"), ("a10", "b10"), ("a01", "b01"), ("a11", "b01"), ("a11", "b11")}
    assert (cuts.layer_a == "综治").all() and (cuts.layer_b == "城管").all()
    gap = c[c.kind == "gap"]
    assert gap[["layer_a", "grid_b", "area_m2"]].values.tolist() == [["城管", "W", 10000.0]]
    outside = c[c.kind == "outside_communities"]
    assert sorted(outside.grid_a) == ["b10", "b11"] and outside.area_m2.sum() == pytest.approx(10000)
    cross = c[c.kind == "crosses_community"]
    assert sorted(cross.grid_a) == ["b00", "b01"] and cross.area_m2.tolist() == pytest.approx([5000, 5000])
    assert not (c.layer_a == "综治").any() or set(c.loc[c.layer_a == "综治", "kind"]) == {"cut"}
    assert c.area_m2.is_monotonic_decreasing


def test_plan_follows_the_reference_layer_and_nests_in_communities():
    res = merge_grid_layers({"A": _layer(0, "a"), "B": _layer(50, "b")}, _communities())
    u = res.unified
    assert len(u) == 4 and u.area_m2.tolist() == pytest.approx([10000] * 4)
    assert dict(zip(u.unified_id, u.reference_grid)) == {"E-01": "a11", "E-02": "a10", "W-01": "a01", "W-02": "a00"}
    m = res.mapping.set_index(["layer", "grid_id", "unified_id"])["share"]
    assert m[("A", "a00", "W-02")] == pytest.approx(1.0)
    assert m[("B", "b00", "W-02")] == pytest.approx(0.5) and m[("B", "b00", "E-02")] == pytest.approx(0.5)
    assert m.loc[("B", "b10")].sum() == pytest.approx(0.5)  # half of b10 lies outside the communities
    assert res.atoms.area_m2.sum() == pytest.approx(40000)


def test_reference_with_gaps_and_crossings_is_repaired():
    res = merge_grid_layers({"A": _layer(0, "a"), "B": _layer(50, "b")}, _communities(), reference="B")
    u = res.unified
    comm = _communities().set_index("community_id").geometry
    for _, row in u.iterrows():  # nested and contiguous
        assert row.geometry.geom_type == "Polygon"
        assert comm[row.community_id].buffer(1e-6).contains(row.geometry)
    # b00 and b01 are cut by the community line; W's strip x 0..50 (no B grid) joins its neighbour
    assert sorted(u.loc[u.community_id == "W", "area_m2"]) == pytest.approx([10000, 10000])
    assert sorted(u.loc[u.community_id == "E", "area_m2"]) == pytest.approx([5000] * 4)
    assert u.area_m2.sum() == pytest.approx(40000)


def test_cut_off_part_joins_the_neighbour_and_is_reported():
    comm = gpd.GeoDataFrame({"community_id": ["C"]}, geometry=[box(0, 0, 300, 100)], crs=CRS)
    ref = gpd.GeoDataFrame({"grid_id": ["X", "Y"]}, crs=CRS, geometry=[
        MultiPolygon([box(0, 0, 100, 100), box(200, 0, 300, 100)]), box(100, 0, 200, 100)])
    other = gpd.GeoDataFrame({"grid_id": ["Z"]}, geometry=[box(0, 0, 300, 100)], crs=CRS)
    res = merge_grid_layers({"ref": ref, "other": other}, comm)
    u = res.unified.set_index("reference_grid")
    assert u.loc["X", "area_m2"] == pytest.approx(10000) and u.loc["Y", "area_m2"] == pytest.approx(20000)
    assert u.geometry.geom_type.eq("Polygon").all()
    assert res.report["problem"].str.contains("cut off").any()
    assert res.conflicts.empty  # Z holds X and Y whole: nesting is not a conflict


def test_overlaps_within_a_layer_and_small_slivers():
    comm = gpd.GeoDataFrame({"community_id": ["C"]}, geometry=[box(0, 0, 200, 100)], crs=CRS)
    a = gpd.GeoDataFrame({"grid_id": ["p", "q"]}, geometry=[box(0, 0, 120, 100), box(100, 0, 200, 100)], crs=CRS)
    b = gpd.GeoDataFrame({"grid_id": ["r"]}, geometry=[box(0, 0, 200, 100.5)], crs=CRS)
    res = merge_grid_layers({"a": a, "b": b}, comm)
    ov = res.conflicts[res.conflicts.kind == "overlap"]
    assert ov[["grid_a", "grid_b", "area_m2"]].values.tolist() == [["p", "q", 2000.0]]
    # r sticks out by 100 m², below min_conflict_m2 only when the limit is raised
    assert not merge_grid_layers({"a": a, "b": b}, comm, min_conflict_m2=101).conflicts.kind.eq(
        "outside_communities").any()
    # the overlapping strip goes to the grid with more area in the community: both have it, p is larger
    u = res.unified.set_index("reference_grid")
    assert u.loc["p", "area_m2"] == pytest.approx(12000) and u.loc["q", "area_m2"] == pytest.approx(8000)


def test_geographic_layers_and_index_free_input():
    layers = {"A": _layer(0, "a").to_crs(4326), "B": _layer(50, "b").set_index("grid_id", drop=False)}
    res = merge_grid_layers(layers, _communities().to_crs(4326))
    assert res.unified.crs.to_epsg() == 4326
    assert (res.conflicts.kind == "cut").sum() == 6


def test_merge_bad_input():
    comm = _communities()
    with pytest.raises(ValueError, match="at least two"):
        merge_grid_layers({"A": _layer(0, "a")}, comm)
    with pytest.raises(ValueError, match="reference 'Z'"):
        merge_grid_layers({"A": _layer(0, "a"), "B": _layer(0, "b")}, comm, reference="Z")
    with pytest.raises(CRSError, match="'B grids' has no CRS"):
        merge_grid_layers({"A": _layer(0, "a"), "B": _layer(0, "b").set_crs(None, allow_override=True)}, comm)
    with pytest.raises(ColumnError, match="'B grids' has no column 'grid_id'"):
        merge_grid_layers({"A": _layer(0, "a"), "B": _layer(0, "b").rename(columns={"grid_id": "id"})}, comm)
    dup = _layer(0, "b")
    dup["grid_id"] = "same"
    with pytest.raises(DuplicateIdError, match="'B grids'.*same"):
        merge_grid_layers({"A": _layer(0, "a"), "B": dup}, comm)


def _lattice(xs, ys, prefix, drop=()):
    cells = {f"{prefix}{i}_{j}": box(x0, y0, x1, y1)
             for i, (x0, x1) in enumerate(zip(xs[:-1], xs[1:]))
             for j, (y0, y1) in enumerate(zip(ys[:-1], ys[1:])) if (i, j) not in drop}
    return gpd.GeoDataFrame({"grid_id": list(cells)}, geometry=list(cells.values()), crs=CRS)


cuts = st.lists(st.integers(1, 29), min_size=0, max_size=4, unique=True).map(lambda v: sorted(10 * x for x in v))


@settings(max_examples=15, deadline=None)
@given(cuts, cuts, cuts, cuts, st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), max_size=4))
def test_unified_plan_always_tiles_nests_and_is_contiguous(ax, ay, bx, by, holes):
    comm = _lattice([0, 150, 300], [0, 200], "C").rename(columns={"grid_id": "community_id"})
    a = _lattice([0, *ax, 300], [0, *[y for y in ay if y < 200], 200], "a", drop=set(holes))
    b = _lattice([0, *bx, 300], [0, *[y for y in by if y < 200], 200], "b")
    if a.empty:
        return
    res = merge_grid_layers({"a": a, "b": b}, comm)
    u = res.unified
    assert u.area_m2.sum() == pytest.approx(60000)
    assert u.unified_id.is_unique
    assert u.geom_type.eq("Polygon").all()  # one connected piece each
    within = {cid: g.buffer(1e-6) for cid, g in zip(comm.community_id, comm.geometry)}
    assert all(within[c].contains(g) for c, g in zip(u.community_id, u.geometry))
    share = res.mapping.groupby(["layer", "grid_id"])["share"].sum()
    assert share.to_numpy() == pytest.approx(1.0)  # both layers lie inside the communities
    assert (res.conflicts.area_m2 >= 100).all()
