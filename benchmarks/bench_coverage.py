"""Coverage benchmark: which demand points lie within 5, 10 and 15 minutes' walk of a station.

Run ``python -m benchmarks.bench_coverage`` (``--quick``: Futian and the 100k-node lattice only,
with 100k demand points and no pandana on the lattice, about a minute on an idle machine).
Walking at 4 km/h (``spatial.coverage.bands.DEFAULT_SPEED_KMH``), the bands are 333, 667 and 1,000 m.

Side by side on the same inputs (the peers snap stations to their nearest NODE, as
``osmnx.distance.nearest_nodes`` does; the project snaps to EDGES with the straight leg):

* ``osmnx tutorial``: the isochrone notebook of osmnx-examples
  (``notebooks/13-isolines-isochrones.ipynb`` in gboeing/osmnx-examples, "Plot the time-distances
  as isochrones"), once per station: on the osmnx-style ``MultiDiGraph`` (both directions of every
  street, node attributes ``x``, ``y``, edge attributes ``length`` and ``time`` = length / metres
  a minute), for each trip time (largest first)
  ``subgraph = nx.ego_graph(G, center_node, radius=trip_time, distance="time")``,
  ``node_points = [Point((data["x"], data["y"])) for node, data in subgraph.nodes(data=True)]``
  and ``gpd.GeoSeries(node_points).union_all().convex_hull`` (older versions: ``unary_union``).
  To say which residents are within each band, the demand points (a GeoDataFrame) are
  ``geopandas.sjoin``-ed ``within`` the hulls and each takes the smallest band of any hull
  holding it. Timing: the per-station loop (3 ego graphs and 3 hulls) runs on a random subset of
  stations and is extrapolated linearly (marked ``*``); it runs twice and the second run is
  timed, as the first pays copy-on-write faults on the graph inherited by the forked child
  (about 10-25 % at 1M nodes) that a user's own process would not. Node snapping, building the
  demand GeoDataFrame and the sjoin are timed in full, against a hull for every station: when a
  subset was run, each other station gets the hulls of the subset's widest-reaching station
  moved to its node (exact on Futian, where every station runs; on the lattices hulls differ only
  by the 3 m jitter and the edge of the lattice, where no demand lies). Its covered % therefore
  stands for all stations (checked at 100k nodes with ``--quick --tutorial-subset 0``: within
  0.2 points in every band). Stations go to their nearest node with a KD-tree, as
  ``nearest_nodes`` does on a projected graph, without its ``graph_to_gdfs`` conversion.
  Convex hulls err both ways: they claim points that walk farther (across blocks and gaps
  between the reached streets, and they ignore the straight leg to the street) and miss points
  walked to along an edge beyond the last reached node; the line under each table gives both
  shares against the project's walks, band by band.
* ``ego_graph, reached nodes only``: the lean variant on a plain ``nx.Graph``: one
  ``nx.ego_graph(G, station, radius=1000 m, distance="length")`` per station (15 minutes only),
  covered = demand whose nearest node was reached (subset extrapolated, timed on a second run
  like the tutorial; covered % of the subset only, so not printed when it is a subset);
* ``networkx multi-source``: ``nx.multi_source_dijkstra_path_length`` from all station nodes;
* ``pandana``: contraction hierarchies, ``nearest_pois`` (build time counted; in a spawned
  process because its OpenMP threads hang in a forked one; stopped after 180 s: building
  hierarchies on a lattice, their worst case, did not finish in 3 minutes here);
* ``project core``: ``scipy.sparse.csgraph.dijkstra(min_only=True)`` from the station nodes on
  ``WalkNetwork.graph`` (checks agreement with networkx at node level);
* ``project``: the real pipeline, ``snap_points`` (stations + demand, exact edge snapping, the
  segment index build included) + ``nearest_source``: one pass gives every point's walk, the
  three bands are thresholds on it. As for the tutorial's loop, the timed run is the child's
  second: the first pays the copy-on-write faults of the 2M shapely objects inherited from the
  parent (their reference counts change when read) and the first touch of fresh memory (on the
  virtual machine used here 320 MB of new arrays took 0.05-0.7 s in a new child, 0.05 s once
  freed and allocated again), which a user's own process has paid already. The snapping index
  the first run built is dropped (``spatial.network.snapping.clear_cache``): the timed run builds it.
* ``walking_coverage``: the same with the analyst's call, GeoDataFrames in (built untimed, as a
  user holds them) and the demand GeoDataFrame out with its five new columns; the search stops
  at 15 minutes. The difference from the row above is the cost of the tables.

Each method runs in a forked child (the parent's objects frozen out of the garbage collector
first); ``peak MB`` is the child's peak RSS minus the RSS at the fork, so the networkx graphs
(built once in the parent from the network's arrays, build time and memory printed, not counted)
are not in it. Networks: Futian (OSM) and synthetic jittered lattices of 100k and 1M nodes (50 m
spacing, built as arrays with ``network_from_arrays``), 1,000 stations on the lattices. At 1M
nodes the tutorial and its lean variant run by default; networkx multi-source and pandana only
with ``--peers-1m``. ``--tutorial-subset 0`` runs the tutorial for every station (no
extrapolation); ``--repeats 3`` keeps the fastest of 3 runs of each method (timings move by
10-30 % between runs on a shared machine, more on a virtual one touching fresh memory).
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing as mp
import time
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from spatial.coverage.bands import DEFAULT_MINUTES, DEFAULT_SPEED_KMH, minutes_to_m

REPO = Path(__file__).resolve().parents[1]
#: Trip times of the bands (5, 10, 15 min) and their walking distances at 4 km/h.
MINUTES = tuple(float(m) for m in DEFAULT_MINUTES)
LIMITS_M = tuple(minutes_to_m(m, DEFAULT_SPEED_KMH) for m in MINUTES)
LIMIT_M = LIMITS_M[-1]  # 1,000 m: the 15-minute circle
TUTORIAL = "osmnx tutorial (ego_graph + hulls)"
LEAN = "ego_graph, reached nodes only"


def lattice(side: int, *, spacing: float = 50.0, seed: int = 0):
    """A side x side street lattice with 3 m jitter, as a WalkNetwork (no networkx)."""
    from spatial.network.graph import network_from_arrays

    rng = np.random.default_rng(seed)
    xs, ys = np.meshgrid(np.arange(side) * spacing, np.arange(side) * spacing)
    xy = np.column_stack([xs.ravel(), ys.ravel()]) + rng.normal(0, 3, (side * side, 2))
    idx = np.arange(side * side).reshape(side, side)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    return network_from_arrays(xy, u, v, crs="EPSG:32650")


def near_streets(net, n: int, rng, *, spread_m: float = 30.0) -> np.ndarray:
    """``n`` points along the streets (uniform per metre) moved off them by N(0, spread_m)."""
    import shapely

    p = net.length_m / net.length_m.sum()
    edge = rng.choice(net.n_edges, n, p=p)
    on = shapely.line_interpolate_point(net.geometry[edge], rng.random(n), normalized=True)
    return shapely.get_coordinates(on) + rng.normal(0, spread_m, (n, 2))


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    # writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0)
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _child(conn, fn, *args):
    _reset_peak()
    base = _status_mb("VmRSS")
    t = time.perf_counter()
    out = fn(*args)
    elapsed = time.perf_counter() - t
    conn.send((elapsed, out, _status_mb("VmHWM") - base))
    conn.close()


def run_isolated(fn, *args, method: str = "fork", timeout_s: float | None = None):
    """Run ``fn`` in a child process: (seconds, its result, peak RSS MB above the child's start).

    Returns None when the child has not finished within ``timeout_s`` (it is then terminated).
    """
    ctx = mp.get_context(method)
    parent, child = ctx.Pipe(duplex=False)
    # a forked child's collections would walk (and copy) every object of the parent, such as
    # the millions of dicts of a networkx graph: keep them out of the collector
    gc.freeze()
    proc = ctx.Process(target=_child, args=(child, fn) + args)
    proc.start()
    if timeout_s is not None and not parent.poll(timeout_s):
        proc.terminate()
        proc.join()
        gc.unfreeze()
        return None
    result = parent.recv()
    proc.join()
    gc.unfreeze()
    return result


def _pandana_job(path: str) -> dict:
    """pandana in a spawned process (its OpenMP threads hang in a forked child)."""
    import pandana as pdna
    import pandas as pd

    z = np.load(path)
    t0 = time.perf_counter()
    pn = pdna.Network(pd.Series(z["x"]), pd.Series(z["y"]), pd.Series(z["u"]), pd.Series(z["v"]),
                      pd.DataFrame({"w": z["w"]}), twoway=True)
    build = time.perf_counter() - t0
    st, dm = z["stations"], z["demand"]
    pn.set_pois("st", 3 * LIMIT_M, 1, pd.Series(st[:, 0]), pd.Series(st[:, 1]))
    near = pn.nearest_pois(3 * LIMIT_M, "st", num_pois=1).iloc[:, 0].to_numpy()
    d_nodes = pn.get_node_ids(pd.Series(dm[:, 0]), pd.Series(dm[:, 1])).to_numpy()
    arr = near[d_nodes]
    arr = np.where(arr >= 3 * LIMIT_M, np.inf, arr)
    return {"covered": float(np.mean(arr <= LIMIT_M)), "dist": arr[:20000], "note": f"build {build:.1f} s"}


def to_networkx(net):
    """A plain undirected ``nx.Graph`` (shortest of parallel edges, like the CSR graph)."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(net.n_nodes))
    coo = net.graph.tocoo()
    keep = coo.row < coo.col
    g.add_weighted_edges_from(zip(coo.row[keep].tolist(), coo.col[keep].tolist(), coo.data[keep].tolist()),
                              weight="length")
    return g


def to_osmnx_graph(net, speed_kmh: float = DEFAULT_SPEED_KMH):
    """The graph the osmnx tutorial walks: a ``MultiDiGraph`` with both directions of every edge
    (parallel edges kept), node attributes ``x``, ``y`` and edge attributes ``length`` and
    ``time`` (minutes: length / metres a minute, as the tutorial adds it)."""
    import networkx as nx

    meters_per_minute = speed_kmh * 1000 / 60
    G = nx.MultiDiGraph(crs=net.crs)
    G.add_nodes_from((i, {"x": x, "y": y}) for i, (x, y) in enumerate(net.node_xy.tolist()))
    u, v, length = net.edge_u.tolist(), net.edge_v.tolist(), net.length_m.tolist()
    G.add_edges_from((a, b, {"length": w, "time": w / meters_per_minute}) for a, b, w in zip(u, v, length))
    G.add_edges_from((b, a, {"length": w, "time": w / meters_per_minute}) for a, b, w in zip(u, v, length))
    return G


def _shares(minutes: np.ndarray) -> str:
    """Share of the points in each band (cumulative: within 5, 10, 15 minutes)."""
    return "/".join(f"{np.mean(minutes <= m) * 100:.1f}" for m in MINUTES) + " % in 5/10/15 min"


def bench(name, net, stations_xy, demand_xy, *, tutorial=True, peers=True, tutorial_subset=50, pandana=True,
          pandana_timeout_s=180.0, seed=0, repeats=1):
    import geopandas as gpd
    import networkx as nx
    import shapely
    from scipy.sparse.csgraph import dijkstra
    from shapely.geometry import Point

    from spatial.coverage.walks import walking_coverage
    from spatial.network.routing import nearest_source
    from spatial.network.snapping import clear_cache, snap_points

    print(f"\n{name}: {net.n_nodes:,} nodes, {net.n_edges:,} edges, {len(stations_xy):,} stations, "
          f"{len(demand_xy):,} demand points, bands {'/'.join(f'{m:g}' for m in MINUTES)} min = "
          f"{'/'.join(f'{d:.0f}' for d in LIMITS_M)} m at {DEFAULT_SPEED_KMH:g} km/h", flush=True)

    def second_pass(fn):
        """``fn()`` run twice in this child, the first pass untimed (``untimed_s``).

        As for the tutorial's loop: the first pass pays the copy-on-write faults of the parent's
        objects (reference counts change when read) and the first touch of fresh memory, which a
        user's own process has paid already. The snapping index it built is dropped, so the
        timed pass builds it again.
        """
        t = time.perf_counter()
        fn()
        clear_cache()
        untimed = time.perf_counter() - t
        return {**fn(), "untimed_s": untimed}

    def project(limit_m=np.inf):
        t0 = time.perf_counter()
        s = snap_points(net, stations_xy)
        d = snap_points(net, demand_xy)
        t1 = time.perf_counter()
        walk, _ = nearest_source(net, s, d, limit_m=limit_m)
        t2 = time.perf_counter()
        band = np.full(len(walk), np.inf)  # smallest band holding each point
        for m, limit in zip(MINUTES[::-1], LIMITS_M[::-1]):
            band[walk <= limit] = m
        return {"covered": float(np.mean(walk <= LIMIT_M)), "band": band.astype(np.float32),
                "note": f"snap {t1 - t0:.2f} s + route {t2 - t1:.2f} s; {_shares(band)}"}

    def engine(station_layer, demand_layer):
        """The analyst's call: GeoDataFrames in (built untimed, as a user has them), a GeoDataFrame out."""
        t0 = time.perf_counter()
        out = walking_coverage(demand_layer, station_layer, net, max_walk_m=LIMIT_M)
        walk = out["walk_m"].to_numpy()
        return {"covered": float(np.mean(walk <= LIMIT_M)),
                "note": f"{time.perf_counter() - t0:.2f} s; columns walk_m, walk_min, nearest_station, band, reason"}

    # node snapping shared by the peers (what osmnx.distance.nearest_nodes does), timed inside each method
    def node_snap():
        tree = cKDTree(net.node_xy)
        return tree.query(stations_xy)[1], tree.query(demand_xy)[1]

    def pick(nodes):
        """The stations to run (a random subset, so not all at the edge of a lattice) and all."""
        todo = np.unique(nodes)
        if not tutorial_subset or tutorial_subset >= len(todo):
            return todo, todo
        return np.sort(np.random.default_rng(seed).choice(todo, tutorial_subset, replace=False)), todo

    def core():
        s_nodes, d_nodes = node_snap()
        dist = dijkstra(net.graph, indices=np.unique(s_nodes), min_only=True)
        return {"covered": float(np.mean(dist[d_nodes] <= LIMIT_M)), "dist": dist[d_nodes[:20000]]}

    def best(fn):
        """The fastest of ``repeats`` runs of ``fn``, each in its own child."""
        return min((run_isolated(fn) for _ in range(repeats)), key=_total)

    results = {}
    if tutorial:
        rss = _status_mb("VmRSS")
        t = time.perf_counter()
        G = to_osmnx_graph(net)
        print(f"  (tutorial MultiDiGraph: {G.number_of_nodes():,} nodes, {G.number_of_edges():,} directed "
              f"edges, built in {time.perf_counter() - t:.1f} s, {_status_mb('VmRSS') - rss:,.0f} MB, "
              "not counted)", flush=True)

        def osmnx_tutorial():
            s_nodes = cKDTree(net.node_xy).query(stations_xy)[1]  # ox.distance.nearest_nodes
            run, todo = pick(s_nodes)

            def isochrones():
                polys, trip = [], []
                for center_node in run.tolist():
                    for trip_time in sorted(MINUTES, reverse=True):
                        subgraph = nx.ego_graph(G, center_node, radius=trip_time, distance="time")
                        node_points = [Point((data["x"], data["y"])) for node, data in subgraph.nodes(data=True)]
                        polys.append(gpd.GeoSeries(node_points).union_all().convex_hull)
                        trip.append(trip_time)
                return polys, trip

            t0 = time.perf_counter()
            isochrones()  # untimed: pays the copy-on-write faults of the forked graph
            warm = time.perf_counter() - t0
            t0 = time.perf_counter()
            polys, trip = isochrones()
            loop = time.perf_counter() - t0
            extra = loop / len(run) * (len(todo) - len(run))
            # stand-ins for the stations not run (not timed): the hulls of the subset's station
            # reaching farthest, moved to each other station's node
            t1 = time.perf_counter()
            others = np.setdiff1d(todo, run)
            if len(others):
                polys_a, trip_a = np.array(polys, dtype=object), np.array(trip)
                widest = int(np.argmax(shapely.area(polys_a[trip_a == MINUTES[-1]])))
                base = slice(widest * len(MINUTES), (widest + 1) * len(MINUTES))
                shift = net.node_xy[others] - net.node_xy[run[widest]]
                for poly, t_ in zip(polys_a[base], trip_a[base]):
                    step = np.repeat(shift, len(shapely.get_coordinates(poly)), axis=0)
                    moved = shapely.transform(np.array([poly] * len(others), dtype=object), lambda c: c + step)
                    polys.extend(moved.tolist())
                    trip.extend([t_] * len(others))
            stand_in = time.perf_counter() - t1
            t2 = time.perf_counter()
            hulls = gpd.GeoDataFrame({"trip_time": trip}, geometry=polys, crs=net.crs)
            demand = gpd.GeoDataFrame(geometry=gpd.points_from_xy(demand_xy[:, 0], demand_xy[:, 1]), crs=net.crs)
            joined = gpd.sjoin(demand, hulls, predicate="within")
            band = joined.groupby(level=0)["trip_time"].min()
            join = time.perf_counter() - t2
            minutes = np.full(len(demand_xy), np.inf)
            minutes[band.index.to_numpy()] = band.to_numpy()
            note = (f"{len(run)} of {len(todo)} stations run (loop {loop / len(run) * 1e3:.0f} ms a station), "
                    f"sjoin {join:.1f} s; {_shares(minutes)}")
            return {"covered": float(np.mean(minutes <= MINUTES[-1])), "extra_s": extra, "untimed_s": warm + stand_in,
                    "partial": len(run) < len(todo), "note": note, "band": minutes.astype(np.float32)}

        results[TUTORIAL] = best(osmnx_tutorial)
        del G
        gc.collect()
    if tutorial or peers:
        rss = _status_mb("VmRSS")
        t = time.perf_counter()
        g = to_networkx(net)
        print(f"  (networkx Graph built in {time.perf_counter() - t:.1f} s, {_status_mb('VmRSS') - rss:,.0f} MB, "
              "not counted)", flush=True)

    if tutorial:
        def lean():
            s_nodes, d_nodes = node_snap()
            run, todo = pick(s_nodes)
            t0 = time.perf_counter()
            for n in run.tolist():  # untimed: pays the copy-on-write faults of the forked graph
                nx.ego_graph(g, n, radius=LIMIT_M, distance="length")
            warm = time.perf_counter() - t0
            reached = set()
            t0 = time.perf_counter()
            for n in run.tolist():
                reached.update(nx.ego_graph(g, n, radius=LIMIT_M, distance="length").nodes)
            per = (time.perf_counter() - t0) / len(run)
            covered = np.isin(d_nodes, np.fromiter(reached, np.int64, len(reached)))
            return {"covered": float(np.mean(covered)), "extra_s": per * (len(todo) - len(run)), "untimed_s": warm,
                    "partial": len(run) < len(todo), "note": f"{len(run)} of {len(todo)} stations run"
                    + (": covered % not comparable" if len(run) < len(todo) else "")}

        results[LEAN] = best(lean)
    if peers:
        def multi():
            s_nodes, d_nodes = node_snap()
            dist = nx.multi_source_dijkstra_path_length(g, set(s_nodes.tolist()), weight="length")
            arr = np.array([dist.get(int(n), np.inf) for n in d_nodes])
            return {"covered": float(np.mean(arr <= LIMIT_M)), "dist": arr[:20000]}

        results["networkx multi-source"] = best(multi)
    if tutorial or peers:
        del g
        gc.collect()
    if pandana:
        try:
            import pandana  # noqa: F401  (only checks it is installed)
        except ImportError:
            print("  pandana not installed (pip install pandana): skipped")
        else:
            import tempfile

            coo = net.graph.tocoo()
            keep = coo.row < coo.col
            with tempfile.TemporaryDirectory() as tmp:
                path = f"{tmp}/inputs.npz"
                np.savez(path, x=net.node_xy[:, 0], y=net.node_xy[:, 1], u=coo.row[keep], v=coo.col[keep],
                         w=coo.data[keep], stations=stations_xy, demand=demand_xy)
                res = run_isolated(_pandana_job, path, method="spawn", timeout_s=pandana_timeout_s)
            if res is None:
                print(f"\n  pandana: contraction hierarchies not built within {pandana_timeout_s:g} s (stopped)")
            else:
                results["pandana"] = res
    results["project core (csgraph, node snap)"] = best(lambda: second_pass(core))
    results["project (edge snap + route)"] = best(lambda: second_pass(project))
    # the tutorial's question (which band, up to 15 minutes): the search may stop at 15 minutes
    results["project, walks up to 15 min"] = best(lambda: second_pass(lambda: project(LIMIT_M)))
    # built last: 1M shapely points held by the parent raise the peak its children report by
    # about 60 MB (measured with the project's run), so no other row runs beside them
    layers = (gpd.GeoDataFrame({"station_id": np.arange(len(stations_xy))}, geometry=shapely.points(stations_xy),
                               crs=net.crs),
              gpd.GeoDataFrame({"households": np.ones(len(demand_xy), np.int64)}, geometry=shapely.points(demand_xy),
                               crs=net.crs))
    results["walking_coverage, up to 15 min"] = best(lambda: second_pass(lambda: engine(*layers)))
    _table(results, repeats)
    return results


def _total(res) -> float:
    """Seconds of a method: measured, plus the stations it did not run, minus untimed stand-ins."""
    el, out, _ = res
    return el + out.get("extra_s", 0.0) - out.get("untimed_s", 0.0)


def _table(results: dict, repeats: int = 1) -> None:
    ref = results.get("networkx multi-source")
    base = _total(results[TUTORIAL]) if TUTORIAL in results else None
    lean = _total(results[LEAN]) if LEAN in results else None
    print(f"\n  {'method':<36}{'seconds':>10}{'speed-up':>10}{'vs lean':>9}{'peak MB':>9}{'covered':>9}"
          f"{'max |Δ| m':>11}  note")
    for method, (el, out, mb) in results.items():
        total = _total((el, out, mb))
        star = "*" if out.get("partial") else " "
        speed = f"{base / total:,.1f}x" if base else "-"
        vs_lean = f"{lean / total:,.1f}x" if lean else "-"
        diff = "-"
        if ref is not None and "dist" in out and "dist" in ref[1]:
            a, b = out["dist"], ref[1]["dist"]
            both = np.isfinite(a) & np.isfinite(b) & (b <= LIMIT_M)
            diff = f"{np.abs(a[both] - b[both]).max():.3f}" if both.any() else "-"
        covered = "-" if method == LEAN and out.get("partial") else f"{out['covered'] * 100:.1f}%"
        print(f"  {method:<36}{total:>9.2f}{star}{speed:>10}{vs_lean:>9}{mb:>9.0f}{covered:>9}{diff:>11}  "
              f"{out.get('note', '')}", flush=True)
    print(f"  (seconds: best of {repeats} run{'s' if repeats > 1 else ''} (pandana: one); * extrapolated from a "
          f"subset of stations; covered = within {LIMIT_M:.0f} m / {MINUTES[-1]:g} min)")
    project = results.get("project (edge snap + route)")
    if TUTORIAL in results and project is not None:
        hull, walk = results[TUTORIAL][1]["band"], project[1]["band"]
        parts = []
        for m in MINUTES:
            over = np.mean((hull <= m) & (walk > m)) * 100
            under = np.mean((hull > m) & (walk <= m)) * 100
            parts.append(f"{m:g} min: +{over:.1f} / -{under:.1f}")
        print("  convex hulls against the project's walks, % of demand points claimed that walk farther (+) "
              "and missed that walk within (-): " + "; ".join(parts))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Futian + 100k lattice with 100k points")
    parser.add_argument("--peers-1m", action="store_true", help="also run networkx/pandana on the 1M lattice")
    parser.add_argument("--only-1m", action="store_true", help="only the 1M lattice (same inputs as a full run)")
    parser.add_argument("--repeats", type=int, default=1, metavar="N",
                        help="run each method N times and keep the fastest (pandana: once)")
    parser.add_argument("--tutorial-subset", type=int, default=None, metavar="N",
                        help="stations the tutorial runs on the lattices before extrapolating "
                             "(default 50 at 100k, 20 at 1M; 0: all)")
    args = parser.parse_args(argv)

    from spatial.network.read import read_network

    def subset(default):
        return default if args.tutorial_subset is None else args.tutorial_subset

    rng = np.random.default_rng(2026)
    net = read_network(REPO / "data" / "futian_walk.graphml")
    inputs = (near_streets(net, 20, rng), near_streets(net, 100_000, rng))  # drawn in every run
    if not args.only_1m:
        bench("Futian (OSM)", net, *inputs, tutorial_subset=0, repeats=args.repeats)

    n_points = 100_000 if args.quick else 1_000_000
    t = time.perf_counter()
    net = lattice(317)
    print(f"\n(100k lattice built as arrays in {time.perf_counter() - t:.1f} s)")
    ext = net.node_xy.max(axis=0)
    inputs = (rng.uniform(0, ext, (1000, 2)), rng.uniform(0, ext, (n_points, 2)))
    if not args.only_1m:
        bench("lattice 100k", net, *inputs, tutorial_subset=subset(50), pandana=not args.quick,
              repeats=args.repeats)
    if args.quick:
        return
    t = time.perf_counter()
    net = lattice(1000)
    print(f"\n(1M lattice built as arrays in {time.perf_counter() - t:.1f} s: 2M LineStrings + CSR)")
    ext = net.node_xy.max(axis=0)
    bench("lattice 1M", net, rng.uniform(0, ext, (1000, 2)), rng.uniform(0, ext, (1_000_000, 2)),
          peers=args.peers_1m, pandana=args.peers_1m, tutorial_subset=subset(20), repeats=args.repeats)


if __name__ == "__main__":
    main()
