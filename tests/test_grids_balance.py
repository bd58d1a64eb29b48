"""Specification of ``balance``: what decides between plans whose grids are all in the band.

``"band"`` (the default without a grid count): any size in the band will do, and borders on
streets come first. ``"equal"`` (the default with ``--grids``): grids as near the mean size as
the units allow, even when a border has to leave the street. The known answers are worked out
by hand from the drawing below.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from spatial.core.errors import SpatialError
from spatial.grids.partition import partition_grids

CRS = "EPSG:32650"


def two_block_town():
    """Two 200 m superblocks side by side, a street between them, each cut into 2 x 2 units.

    West block: four units of 80 households (320); east block: four towers of 120 (480). The
    only street-following plan is west | east (320 / 480, both in the 300-500 band). The only
    even plan is bottom | top (two units of each block, 400 / 400): its border runs through
    both blocks, 400 m off the street.
    """
    recs = []
    for bx, (name, hh) in enumerate((("W", 80), ("E", 120))):
        for i in range(2):
            for j in range(2):
                x0, y0 = bx * 200 + i * 100, j * 100
                recs.append({"unit_id": f"{name}{i}{j}", "block": name, "households": hh,
                             "geometry": shapely.box(x0, y0, x0 + 100, y0 + 100)})
    units = gpd.GeoDataFrame(recs, crs=CRS)
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(0, 0, 400, 200)], crs=CRS)
    roads = gpd.GeoDataFrame(geometry=[shapely.LineString([(200, 0), (200, 200)])], crs=CRS)
    return units, comm, roads


def _blocks_per_grid(res):
    return sorted(res.units.groupby("grid_id")["block"].apply(lambda b: "".join(sorted(set(b)))))


def test_band_keeps_to_the_street_when_both_grids_are_in_the_band():
    units, comm, roads = two_block_town()
    res = partition_grids(units, comm, roads=roads)  # no grid count: balance="band"
    assert _blocks_per_grid(res) == ["E", "W"]
    assert sorted(res.grids["households"]) == [320, 480]
    assert (res.grids["band_status"] == "in").all()
    assert res.grids["road_share"].min() > 0.99


def test_equal_evens_the_grids_out_across_the_street():
    units, comm, roads = two_block_town()
    for res in (partition_grids(units, comm, roads=roads, balance="equal"),
                partition_grids(units, comm, roads=roads, n_grids=2)):  # a grid count means equal
        assert sorted(res.grids["households"]) == [400, 400]
        assert _blocks_per_grid(res) == ["EW", "EW"]  # the border runs through both blocks
    # and a grid count with balance="band" keeps to the street again
    res = partition_grids(units, comm, roads=roads, n_grids=2, balance="band")
    assert sorted(res.grids["households"]) == [320, 480]


def test_an_unknown_balance_is_refused_with_the_choices():
    units, comm, roads = two_block_town()
    with pytest.raises(SpatialError, match=r"balance must be 'equal' .* or 'band' .*got 'even'"):
        partition_grids(units, comm, roads=roads, balance="even")


def test_cli_balance_option(tmp_path, capsys):
    from spatial.cli import main

    units, comm, roads = two_block_town()
    for name, layer in (("units", units), ("comm", comm), ("roads", roads)):
        layer.to_file(tmp_path / f"{name}.gpkg")
    out = tmp_path / "out.gpkg"
    args = ["grids", str(tmp_path / "comm.gpkg"), str(tmp_path / "units.gpkg"), "--roads",
            str(tmp_path / "roads.gpkg"), "--out", str(out)]
    assert main([*args, "--balance", "equal"]) == 0
    assert sorted(gpd.read_file(out, layer="grids")["households"]) == [400, 400]
    assert main(args) == 0
    assert sorted(gpd.read_file(out, layer="grids")["households"]) == [320, 480]
    capsys.readouterr()
    assert main([*args, "--balance", "even"]) == 2  # not one of the choices
    assert "--balance" in capsys.readouterr().err
    assert main([*args, "--redraw", "--balance", "band"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--balance is for drawing new grids" in err
