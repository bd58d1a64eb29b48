"""Province benchmark (issue 8): the grid and coverage jobs on Dask with 1 and 2 workers.

Run ``python -m benchmarks.bench_province`` (a synthetic province of 20 lattice cities, 2,000
communities and 2 million square units; the grid job is slow, ``--grid-units`` scales it down)
or ``--quick`` (4 cities, 16 communities, 6,000 units; under a minute). Prints, per job and
worker count: wall time, the client's share, summed task time, peak memory per worker and of
the client; then peak worker memory against city size (memory follows the largest city, not the
province) and an extrapolation to a cluster.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import tempfile
import time
from pathlib import Path

import numpy as np

from spatial.datasets.province import lattice_province
from spatial.project._split import peak_rss_mb
from spatial.project.distributed import (
    make_client,
    network_to_parquet,
    run_coverage_distributed,
    run_grids_distributed,
)


class _Stats(logging.Handler):
    """Collects the per-part statistics that spatial.project.distributed logs."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.parts: list[dict] = []

    def emit(self, record):
        if hasattr(record, "part_stats"):
            self.parts.append(record.part_stats)


def _warm() -> None:
    """Import the engines and reset this process's peak RSS (Linux: ``/proc/self/clear_refs``)."""
    for module in ("spatial.coverage.walks", "spatial.grids.partition", "spatial.project._split"):
        importlib.import_module(module)
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def run_job(job: str, prov, client, tmp) -> dict:
    """One job on ``client``; wall time, per-part task times and peak memory (workers and client)."""
    handler = _Stats()
    log = logging.getLogger("spatial.project.distributed")
    log.addHandler(handler)
    old = log.level
    log.setLevel(logging.DEBUG)
    try:
        client.run(_warm)  # import the engines and reset peak RSS: their baseline is not the job's memory
        base = max(client.run(peak_rss_mb).values())
        _warm()
        t = time.perf_counter()
        if job == "grids":
            res = run_grids_distributed(prov.units, prov.communities, by="city", client=client,
                                        min_households=300, max_households=500, workdir=tmp / "grids")
            n_out = len(res.grids)
        else:
            demand = prov.units[["unit_id", "households", "city"]].set_geometry(prov.units.geometry.centroid)
            edges = network_to_parquet(prov.network, tmp / "edges.parquet")
            res = run_coverage_distributed(demand, prov.stations, edges, by="city", client=client,
                                           max_walk_m=1000.0, workdir=tmp / "cov")
            n_out = int(np.isfinite(res["walk_m"]).sum())
        wall = time.perf_counter() - t
        workers = client.run(peak_rss_mb)
    finally:
        log.removeHandler(handler)
        log.setLevel(old)
    secs = np.array([p["seconds"] for p in handler.parts])
    cpu = np.array([p["cpu_seconds"] for p in handler.parts])
    return {"job": job, "workers": len(workers), "wall_s": wall, "task_sum_s": secs.sum(),
            "task_max_s": secs.max(), "cpu_sum_s": cpu.sum(), "cpu_max_s": cpu.max(), "parts": len(secs), "worker_peak_mb": max(workers.values()),
            "worker_base_mb": base, "client_peak_mb": peak_rss_mb(), "n_out": n_out}


def make_province(n_cities: int, n_communities: int, n_units: int, seed: int = 0):
    """Lattice province; per-city and per-community counts are rounded up to square numbers."""
    cpc = max(1, round(n_communities / n_cities))
    upc = max(1, round(n_units / (cpc * n_cities)))
    return lattice_province(n_cities=n_cities, communities_per_city=cpc, units_per_community=upc, unit_m=20.0,
                            street_m=100.0, stations_per_city=max(2, cpc // 4), seed=seed)


def _describe(prov, t) -> str:
    return (f"{len(prov.units):,} units, {len(prov.communities):,} communities, "
            f"{prov.units['city'].nunique()} cities of {prov.city_side_m / 1000:.1f} km "
            f"({len(prov.units) // prov.units['city'].nunique():,} units each), "
            f"{prov.network.n_edges:,} street edges, {len(prov.stations)} stations (made in {t:.1f} s)")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small province, under a minute")
    ap.add_argument("--cities", type=int, default=20)
    ap.add_argument("--communities", type=int, default=2000)
    ap.add_argument("--units", type=int, default=2_000_000)
    ap.add_argument("--grid-units", type=int, default=None,
                    help="units of the grid job's province (default --units; the grid engine takes ~0.35 ms/unit)")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--memory-limit", default="3GiB")
    ap.add_argument("--jobs", default="coverage,grids")
    args = ap.parse_args(argv)
    if args.quick:
        args.cities, args.communities, args.units = 4, 16, 6_000
    workers = [int(w) for w in args.workers.split(",")]
    jobs = args.jobs.split(",")
    provs = {}
    for job in jobs:
        units = args.units if job == "coverage" or args.grid_units is None else args.grid_units
        t = time.perf_counter()
        provs[job] = make_province(args.cities, max(args.cities, args.communities * units // args.units), units)
        print(f"{job}: {_describe(provs[job], time.perf_counter() - t)}")

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-province-") as tmpdir:
        tmp = Path(tmpdir)
        for w in workers:
            with make_client(n_workers=w, memory_limit=args.memory_limit) as client:
                for job in jobs:
                    r = run_job(job, provs[job], client, tmp)
                    rows.append(r)
                    print(f"  {job} on {w} worker(s): {r['wall_s']:.1f} s wall, tasks {r['task_sum_s']:.1f} s "
                          f"(longest {r['task_max_s']:.1f} s; CPU {r['cpu_sum_s']:.1f} s), worker peak {r['worker_peak_mb']:.0f} MB "
                          f"({r['worker_base_mb']:.0f} MB at start), client peak {r['client_peak_mb']:.0f} MB")

        scale = []
        if "coverage" in jobs:  # memory follows the largest city, not the province (fresh workers each)
            del provs
            cpc = max(1, round(args.communities / args.cities))
            upc = max(1, round(args.units / (cpc * args.cities)))
            for n_cities, per_comm in ((max(1, args.cities // 2), upc), (args.cities, max(1, upc // 4)),
                                       (args.cities, upc)):
                prov = make_province(n_cities, cpc * n_cities, cpc * n_cities * per_comm)
                with make_client(n_workers=2, memory_limit=args.memory_limit) as client:
                    scale.append((n_cities, len(prov.units), run_job("coverage", prov, client, tmp)))
                del prov

    print("\nsummary (client s = wall - task time / workers: splitting, writing and joining parts)")
    print(f"{'job':<10}{'workers':>8}{'parts':>7}{'wall s':>9}{'tasks s':>9}{'task CPU s':>11}{'client s':>10}"
          f"{'worker MB':>11}{'client MB':>11}")
    for r in rows:
        client_s = max(0.0, r["wall_s"] - r["task_sum_s"] / r["workers"])
        print(f"{r['job']:<10}{r['workers']:>8}{r['parts']:>7}{r['wall_s']:>9.1f}{r['task_sum_s']:>9.1f}"
              f"{r['cpu_sum_s']:>11.1f}{client_s:>10.1f}{r['worker_peak_mb']:>11.0f}{r['client_peak_mb']:>11.0f}")
    if scale:
        print("\npeak worker memory against city size (coverage job, 2 workers)")
        print(f"{'cities':>8}{'units':>12}{'units/city':>12}{'wall s':>9}{'worker peak MB':>16}{'above start':>13}")
        for n_cities, units, r in scale:
            print(f"{n_cities:>8}{units:>12,}{units // n_cities:>12,}{r['wall_s']:>9.1f}{r['worker_peak_mb']:>16.0f}"
                  f"{r['worker_peak_mb'] - r['worker_base_mb']:>13.0f}")
    print("\nextrapolation to a cluster of W dedicated single-core workers, from task CPU time (this machine's"
          "\n2 cores are shared, so wall times above include waiting): wall = client s + max(longest task CPU,"
          "\ntask CPU / W); worker memory stays that of the largest city; the serial client share ends up dominating")
    for r in rows:
        if r["workers"] != max(workers):
            continue
        client_s = max(0.0, r["wall_s"] - r["task_sum_s"] / r["workers"])
        est = "  ".join(f"W={w}: {client_s + max(r['cpu_max_s'], r['cpu_sum_s'] / w):.0f} s" for w in (8, 32, 128))
        print(f"  {r['job']:<9} {est}   (client {client_s:.0f} s, longest city {r['cpu_max_s']:.0f} s CPU, "
              f"{r['parts']} parts; a 10x province: W=128 {10 * client_s + max(r['cpu_max_s'], 10 * r['cpu_sum_s'] / 128):.0f} s)")

if __name__ == "__main__":
    main()
