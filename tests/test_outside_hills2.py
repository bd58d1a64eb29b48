

def test_a_dask_run_reads_the_bridges_as_the_single_process_run_does(tmp_path):
    # each part of a Dask run rebuilds its network from the edge file: the bridge tag goes with it
    from spatial.coverage.walks import walking_coverage
    from spatial.network.read import read_network
    from spatial.project.distributed import make_client, run_coverage_distributed

    dem = dem_file(tmp_path / "valley.tif", valley, cell=5.0)
    lines = gpd.GeoDataFrame(
        {"highway": ["residential"] * 3, "bridge": ["", "yes", ""]},
        geometry=[shapely.LineString([(X0, Y0), (X0 + 400, Y0)]), shapely.LineString([(X0 + 400, Y0), (X0 + 600, Y0)]),
                  shapely.LineString([(X0 + 600, Y0), (X0 + 1000, Y0)])], crs=UTM)
    net = read_network(lines)
    homes = points([[X0 + 900, Y0 + 10], [X0 + 700, Y0 + 10], [X0 + 100, Y0 + 10]], households=[1, 1, 1],
                   city=["east", "east", "west"])
    stations = points([[X0, Y0]], station_id=["S"])
    ref = walking_coverage(homes, stations, net, dem=dem, minutes=(5, 10, 15), max_walk_m=1200.0)
    # across the level bridge (by hand): 900 m and 700 m, and the 10 m legs
    assert ref["walk_min"].tolist()[:2] == pytest.approx([910 / M_PER_MIN, 710 / M_PER_MIN], rel=2e-3)
    client = make_client(n_workers=1, processes=False)
    try:
        got = run_coverage_distributed(homes, stations, net, by="city", client=client, max_walk_m=1200.0,
                                       minutes=(5, 10, 15), dem=dem, workdir=tmp_path / "work")
    finally:
        client.close()
    assert got["walk_min"].to_numpy() == pytest.approx(ref["walk_min"].to_numpy(), rel=1e-9)
