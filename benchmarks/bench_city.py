"""City-scale coverage end to end: the whole ``spatial coverage`` command next to two peer pipelines.

Run ``python -m benchmarks.bench_city`` (the 90k-node city, then the 1M-node one) or ``--quick``
(a 20,000-node town, about a minute). Each pipeline runs as its own process from the same files,
imports, reading and writing included, timed from outside (wall seconds) with its peak memory
(``ru_maxrss`` of the process, read by a small parent process with ``resource``):

* ``spatial coverage``: the command a user runs, ``spatial coverage ROADS STATIONS HOMES --out
  OUT.gpkg --meters 1000`` (read and build the network, snap, route, summary, isochrones, gaps,
  write five layers and the summary CSV); and the same with ``--no-isochrones``.
* ``osmnx tutorial``: the isochrone recipe of the osmnx examples (notebook 13, "isolines and
  isochrones") on the same road layer: the graph built with ``momepy.gdf_to_nx`` (the documented
  way from a street line layer to a networkx graph; osmnx builds graphs from OSM downloads),
  stations to their nearest node (a KD-tree, as ``osmnx.distance.nearest_nodes`` does on a
  projected graph), one ``nx.ego_graph(G, node, radius=1000, distance="length")`` and the convex
  hull of its nodes per station, one ``geopandas.sjoin`` of the homes ``within`` the hulls, the
  homes (with ``covered``) and hulls written to a GeoPackage.
* ``networkx multi-source``: the same graph, ``nx.multi_source_dijkstra_path_length`` from every
  station's node cut at 1,000 m, each home's walk = its node's distance plus the straight leg to
  that node, the homes written.

The peers make no gaps and, for networkx, no areas: the command does more work. Lattices: a
``side`` x ``side`` street grid with 3 m jitter and 8% of the streets removed at random (so
blocks differ), as a road line layer in UTM metres; stations at random nodes (5 m off), homes
along the streets 30 m off on average. 90k: 300 x 300 nodes at 80 m (24 km x 24 km, 165,000
edges), 300 stations, 200,000 homes. 1M: 1,000 x 1,000 nodes at 50 m (50 km x 50 km, 1.84M
edges), 1,000 stations, 1,000,000 homes (peers only with ``--peers-1m``: building their graph
alone takes minutes and gigabytes). Files are written once to ``--data`` and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CITIES = {
    "town": dict(side=140, spacing=80.0, stations=60, homes=40_000),
    "90k": dict(side=300, spacing=80.0, stations=300, homes=200_000),
    "1M": dict(side=1000, spacing=50.0, stations=1000, homes=1_000_000),
}
LIMIT_M = 1000.0
CRS = "EPSG:32650"
#: Runs each pipeline as a child and prints its wall seconds and peak RSS (MB) as JSON.
_WRAP = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
s = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": s, "peak_mb": peak, "rc": r.returncode, "out": r.stdout[-2000:], "err": r.stderr[-2000:]}))
"""


def make_city(folder: Path, *, side: int, spacing: float, stations: int, homes: int, seed: int = 0) -> dict:
    """Write ``roads.gpkg``, ``stations.gpkg`` and ``homes.gpkg`` (once) and return their paths."""
    paths = {k: folder / f"{k}.gpkg" for k in ("roads", "stations", "homes")}
    if all(p.exists() for p in paths.values()):
        return paths
    import geopandas as gpd
    import shapely

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    xs, ys = np.meshgrid(np.arange(side) * spacing, np.arange(side) * spacing)
    xy = np.column_stack([xs.ravel(), ys.ravel()]) + rng.normal(0, 3, (side * side, 2)) + [400_000.0, 2_500_000.0]
    idx = np.arange(side * side).reshape(side, side)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    keep = rng.random(len(u)) > 0.08
    u, v = u[keep], v[keep]
    lines = shapely.linestrings(np.stack([xy[u], xy[v]], axis=1))
    gpd.GeoDataFrame({"highway": np.full(len(lines), "residential")}, geometry=lines, crs=CRS).to_file(
        paths["roads"], engine="pyogrio")
    st = xy[rng.choice(len(xy), stations, replace=False)] + 5.0
    gpd.GeoDataFrame({"station_id": [f"S{i:04d}" for i in range(stations)]}, geometry=shapely.points(st),
                     crs=CRS).to_file(paths["stations"], engine="pyogrio")
    e = rng.integers(0, len(lines), homes)
    on = shapely.get_coordinates(shapely.line_interpolate_point(lines[e], rng.random(homes), normalized=True))
    h = on + rng.normal(0, 30, (homes, 2))
    gpd.GeoDataFrame({"unit_id": np.arange(homes), "households": rng.integers(1, 6, homes),
                      "population": rng.integers(1, 15, homes)}, geometry=shapely.points(h), crs=CRS).to_file(
        paths["homes"], engine="pyogrio")
    return paths


def peer(kind: str, roads: str, stations: str, homes: str, out: str, limit_m: float) -> None:
    """The peer pipelines (run as ``python -m benchmarks.bench_city --peer KIND ...``)."""
    import geopandas as gpd
    import momepy
    import networkx as nx
    import shapely
    from scipy.spatial import cKDTree

    roads_gdf = gpd.read_file(roads)
    st = gpd.read_file(stations)
    hm = gpd.read_file(homes)
    G = momepy.gdf_to_nx(roads_gdf, approach="primal", length="length")
    node_xy = np.array(list(G.nodes))
    tree = cKDTree(node_xy)  # what osmnx.distance.nearest_nodes does on a projected graph
    s_nodes = [tuple(node_xy[i]) for i in tree.query(shapely.get_coordinates(st.geometry.values))[1]]
    if kind == "tutorial":
        hulls = []
        for center_node in s_nodes:
            subgraph = nx.ego_graph(G, center_node, radius=limit_m, distance="length")
            node_points = [shapely.Point(node) for node in subgraph.nodes]
            hulls.append(gpd.GeoSeries(node_points).union_all().convex_hull)
        iso = gpd.GeoDataFrame({"station_id": st["station_id"]}, geometry=hulls, crs=roads_gdf.crs)
        joined = gpd.sjoin(hm, iso, predicate="within", how="left")
        hm["covered"] = (joined.groupby(level=0)["index_right"].count() > 0).reindex(hm.index).to_numpy()
        hm.to_file(out, layer="demand", engine="pyogrio")
        iso.to_file(out, layer="isochrones", engine="pyogrio")
    else:
        dist = nx.multi_source_dijkstra_path_length(G, set(s_nodes), cutoff=limit_m, weight="length")
        leg, h_nodes = tree.query(shapely.get_coordinates(hm.geometry.values))
        walk = np.array([dist.get(tuple(node_xy[n]), np.inf) for n in h_nodes]) + leg
        hm["walk_m"] = walk
        hm["covered"] = walk <= limit_m
        hm.to_file(out, layer="demand", engine="pyogrio")
    print(json.dumps({"covered": float(hm["covered"].mean())}))


def _run(cmd: list[str]) -> dict:
    res = subprocess.run([sys.executable, "-c", _WRAP, *cmd], capture_output=True, text=True, check=True)
    out = json.loads(res.stdout)
    if out["rc"] != 0:
        raise RuntimeError(f"{cmd[:4]} failed:\n{out['err']}")
    return out


def _covered(path: Path) -> float:
    import pyogrio

    cols = pyogrio.read_dataframe(path, layer="demand", read_geometry=False)
    if "covered" in cols:
        return float(cols["covered"].mean())
    return float((cols["walk_m"] <= LIMIT_M).mean())


def bench(name: str, data: Path, *, peers: bool, repeats: int) -> None:
    spec = CITIES[name]
    t = time.perf_counter()
    paths = make_city(data / name, **spec)
    files = [str(paths[k]) for k in ("roads", "stations", "homes")]
    print(f"\n{name}: {spec['side'] ** 2:,} nodes at {spec['spacing']:g} m, {spec['stations']:,} stations, "
          f"{spec['homes']:,} homes, band {LIMIT_M:g} m (files ready in {time.perf_counter() - t:.1f} s)", flush=True)
    env_py = [sys.executable, "-c", "import sys; from spatial.cli import main; sys.exit(main(sys.argv[1:]))"]
    with tempfile.TemporaryDirectory() as tmp:
        methods = {
            "spatial coverage": lambda o: env_py + ["coverage", *files, "--out", o, "--meters", f"{LIMIT_M:g}"],
            "spatial coverage --no-isochrones": lambda o: env_py + ["coverage", *files, "--out", o, "--meters",
                                                                    f"{LIMIT_M:g}", "--no-isochrones"],
        }
        if peers:
            for kind, label in (("tutorial", "osmnx tutorial (ego_graph + hulls)"),
                                ("multisource", "networkx multi-source")):
                methods[label] = (lambda k: lambda o: [sys.executable, "-m", "benchmarks.bench_city", "--peer", k,
                                                       *files, o, f"{LIMIT_M:g}"])(kind)
        best: dict[str, dict] = {}
        for r in range(repeats):  # interleaved, so a busy moment hurts every method alike
            for label, cmd in methods.items():
                out = os.path.join(tmp, f"{len(best)}_{r}.gpkg")
                res = _run(cmd(out))
                res["covered"] = _covered(Path(out))
                if label not in best or res["seconds"] < best[label]["seconds"]:
                    best[label] = res
        print(f"{'method':<36}{'seconds':>9}{'peak MB':>9}{'covered %':>11}")
        for label, res in best.items():
            print(f"{label:<36}{res['seconds']:>9.1f}{res['peak_mb']:>9.0f}{100 * res['covered']:>11.1f}")
        steps = [line for line in best["spatial coverage"]["out"].splitlines() if line.startswith(("time:", "network:"))]
        gaps = [line for line in best["spatial coverage"]["out"].splitlines() if " gaps beyond " in line]
        for line in steps + gaps:
            print(f"  {line}")
        if peers:
            cmd_s = best["spatial coverage"]["seconds"]
            tut = best["osmnx tutorial (ego_graph + hulls)"]["seconds"]
            nxs = best["networkx multi-source"]["seconds"]
            print(f"  spatial coverage is {tut / cmd_s:.1f}x faster than the tutorial, {nxs / cmd_s:.1f}x networkx "
                  "multi-source")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 20,000-node town only")
    parser.add_argument("--only", choices=list(CITIES), default=None, help="one city")
    parser.add_argument("--peers-1m", action="store_true", help="run the peers on the 1M-node city too")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each pipeline (the fastest is kept)")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "spatial-bench-city",
                        help="folder for the generated cities (reused)")
    parser.add_argument("--peer", nargs=6, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.peer:
        kind, roads, stations, homes, out, limit = args.peer
        peer(kind, roads, stations, homes, out, float(limit))
        return
    names = ["town"] if args.quick else ([args.only] if args.only else ["90k", "1M"])
    for name in names:
        bench(name, args.data, peers=name != "1M" or args.peers_1m, repeats=args.repeats)


if __name__ == "__main__":
    main()
