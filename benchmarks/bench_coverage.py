"""Coverage benchmark: walking distance from every demand point to its nearest station.

Run ``python -m benchmarks.bench_coverage`` (``--quick``: Futian and the 100k-node lattice only,
with 100k demand points and no pandana on the lattice, under a minute on an idle machine).

Side by side on the same inputs (stations and demand points snapped to their nearest NODE for
the peers, as the osmnx tutorial does; the project snaps to EDGES with the straight leg):

* ``osmnx tutorial``: one ``nx.ego_graph(G, station, radius=1000 m, distance="length")`` per
  station, covered = union of reached nodes (run on a subset of stations and extrapolated
  linearly when slow; marked ``*``);
* ``networkx multi-source``: ``nx.multi_source_dijkstra_path_length`` from all station nodes;
* ``pandana``: contraction hierarchies, ``nearest_pois`` (build time counted; in a spawned
  process because its OpenMP threads hang in a forked one; stopped after 180 s: building
  hierarchies on a lattice, their worst case, did not finish in 3 minutes here);
* ``project core``: ``scipy.sparse.csgraph.dijkstra(min_only=True)`` from the station nodes on
  ``WalkNetwork.graph`` (checks agreement with networkx at node level);
* ``project``: the real pipeline, ``snap_points`` (stations + demand) + ``nearest_source``.

Each method runs in a forked child; ``peak MB`` is the child's peak RSS minus the RSS at the fork.
Networks: Futian (OSM) and synthetic jittered lattices of 100k and 1M nodes (50 m spacing, built as
arrays with ``network_from_arrays``); networkx peers are skipped at 1M nodes unless ``--peers-1m``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

REPO = Path(__file__).resolve().parents[1]
LIMIT_M = 1000.0


def lattice(side: int, *, spacing: float = 50.0, seed: int = 0):
    """A side x side street lattice with 3 m jitter, as a WalkNetwork (no networkx)."""
    from spatial.network import network_from_arrays

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
    proc = ctx.Process(target=_child, args=(child, fn) + args)
    proc.start()
    if timeout_s is not None and not parent.poll(timeout_s):
        proc.terminate()
        proc.join()
        return None
    result = parent.recv()
    proc.join()
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
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(net.n_nodes))
    # shortest of parallel edges, like the CSR graph
    coo = net.graph.tocoo()
    keep = coo.row < coo.col
    g.add_weighted_edges_from(zip(coo.row[keep].tolist(), coo.col[keep].tolist(), coo.data[keep].tolist()),
                              weight="length")
    return g


def bench(name, net, stations_xy, demand_xy, *, peers=True, tutorial_subset=50, pandana=True,
          pandana_timeout_s=180.0):
    import networkx as nx
    from scipy.sparse.csgraph import dijkstra

    from spatial.routing import nearest_source
    from spatial.snapping import snap_points

    print(f"\n{name}: {net.n_nodes:,} nodes, {net.n_edges:,} edges, {len(stations_xy):,} stations, "
          f"{len(demand_xy):,} demand points, coverage limit {LIMIT_M:g} m")
    rows = []

    def project():
        t0 = time.perf_counter()
        s = snap_points(net, stations_xy)
        d = snap_points(net, demand_xy)
        t1 = time.perf_counter()
        walk, _ = nearest_source(net, s, d)
        t2 = time.perf_counter()
        return {"covered": float(np.mean(walk <= LIMIT_M)), "note": f"snap {t1 - t0:.1f} s + route {t2 - t1:.1f} s"}

    # node snapping shared by the peers (what osmnx.nearest_nodes does), timed inside each method
    def node_snap():
        tree = cKDTree(net.node_xy)
        return tree.query(stations_xy)[1], tree.query(demand_xy)[1]

    def core():
        s_nodes, d_nodes = node_snap()
        dist = dijkstra(net.graph, indices=np.unique(s_nodes), min_only=True)
        return {"covered": float(np.mean(dist[d_nodes] <= LIMIT_M)), "dist": dist[d_nodes[:20000]]}

    results = {}
    if peers:
        t = time.perf_counter()
        g = to_networkx(net)
        t_nx = time.perf_counter() - t

        def tutorial():
            s_nodes, d_nodes = node_snap()
            todo = np.unique(s_nodes)
            sub = todo[:tutorial_subset]
            reached = set()
            t0 = time.perf_counter()
            for n in sub.tolist():
                reached.update(nx.ego_graph(g, n, radius=LIMIT_M, distance="length").nodes)
            per = (time.perf_counter() - t0) / len(sub)
            covered = np.isin(d_nodes, np.fromiter(reached, np.int64, len(reached)))
            extra = per * (len(todo) - len(sub))
            return {"covered": float(np.mean(covered)), "extra_s": extra, "partial": len(sub) < len(todo),
                    "note": f"{len(sub)} of {len(todo)} stations" + (", covered % partial" if len(sub) < len(todo) else "")}

        def multi():
            s_nodes, d_nodes = node_snap()
            dist = nx.multi_source_dijkstra_path_length(g, set(s_nodes.tolist()), weight="length")
            arr = np.array([dist.get(int(n), np.inf) for n in d_nodes])
            return {"covered": float(np.mean(arr <= LIMIT_M)), "dist": arr[:20000]}

        results["osmnx tutorial (ego_graph)"] = run_isolated(tutorial)
        results["networkx multi-source"] = run_isolated(multi)
        print(f"  (networkx graph built in {t_nx:.1f} s, not counted)")
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
    results["project core (csgraph, node snap)"] = run_isolated(core)
    results["project (edge snap + route)"] = run_isolated(project)

    ref = results.get("networkx multi-source")
    base = None
    if "osmnx tutorial (ego_graph)" in results:
        el, out, _ = results["osmnx tutorial (ego_graph)"]
        base = el + out.get("extra_s", 0.0)
    print(f"\n  {'method':<36}{'seconds':>10}{'speed-up':>10}{'peak MB':>9}{'covered':>9}{'max |Δ| m':>11}  note")
    for method, (el, out, mb) in results.items():
        total = el + out.get("extra_s", 0.0)
        star = "*" if out.get("extra_s") else " "
        speed = f"{base / total:,.1f}x" if base else "-"
        diff = "-"
        if ref is not None and "dist" in out and "dist" in ref[1]:
            a, b = out["dist"], ref[1]["dist"]
            both = np.isfinite(a) & np.isfinite(b) & (b <= LIMIT_M)
            diff = f"{np.abs(a[both] - b[both]).max():.3f}" if both.any() else "-"
        print(f"  {method:<36}{total:>9.2f}{star}{speed:>10}{mb:>9.0f}{out['covered'] * 100:>8.1f}%{diff:>11}  "
              f"{out.get('note', '')}")
    rows.append(results)
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Futian + 100k lattice with 100k points")
    parser.add_argument("--peers-1m", action="store_true", help="also run networkx/pandana on the 1M lattice")
    args = parser.parse_args(argv)

    from spatial.network import read_network

    rng = np.random.default_rng(2026)
    net = read_network(REPO / "data" / "futian_walk.graphml")
    bench("Futian (OSM)", net, near_streets(net, 20, rng), near_streets(net, 100_000, rng), tutorial_subset=20)

    n_points = 100_000 if args.quick else 1_000_000
    t = time.perf_counter()
    net = lattice(317)
    print(f"\n(100k lattice built as arrays in {time.perf_counter() - t:.1f} s)")
    ext = net.node_xy.max(axis=0)
    bench("lattice 100k", net, rng.uniform(0, ext, (1000, 2)), rng.uniform(0, ext, (n_points, 2)),
          tutorial_subset=50, pandana=not args.quick)
    if args.quick:
        return
    t = time.perf_counter()
    net = lattice(1000)
    print(f"\n(1M lattice built as arrays in {time.perf_counter() - t:.1f} s: 2M LineStrings + CSR)")
    ext = net.node_xy.max(axis=0)
    bench("lattice 1M", net, rng.uniform(0, ext, (1000, 2)), rng.uniform(0, ext, (1_000_000, 2)),
          peers=args.peers_1m, pandana=args.peers_1m, tutorial_subset=20)


if __name__ == "__main__":
    main()
