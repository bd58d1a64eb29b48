"""Province benchmark (issue 8): the grid and coverage jobs on Dask with 1 and 2 workers.

Run ``python -m benchmarks.bench_province`` (a synthetic province of 20 lattice cities, 2,000
communities and 2 million square units; the grid job is slow, ``--grid-units`` scales it down)
or ``--quick`` (4 cities, 16 communities, 8,000 units; under a minute). Prints, per job and
worker count: wall time, the client's share, summed task time, peak memory per worker and of
the client; then peak worker memory against city size (memory follows the largest city, not the
province) and an extrapolation to a cluster.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import math
import time

import numpy as np

from spatial._province import lattice_province
from spatial._split import peak_rss_mb
from spatial.distributed import make_client, network_to_parquet, run_coverage_distributed, run_grids_distributed


class _Stats(logging.Handler):
    """Collects the per-part statistics that spatial.distributed logs."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.parts: list[dict] = []

    def emit(self, record):
        if hasattr(record, "part_stats"):
            self.parts.append(record.part_stats)


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def _warm() -> None:
    for module in ("spatial.coverage", "spatial.grids", "spatial._split"):
        importlib.import_module(module)


def run_job(job: str, prov, n_workers: int, memory_limit: str, tmp) -> dict:
    handler = _Stats()
    log = logging.getLogger("spatial.distributed")
    log.addHandler(handler)
    old = log.level
    log.setLevel(logging.DEBUG)
    client = make_client(n_workers=n_workers, memory_limit=memory_limit)
    try:
        client.run(_warm)  # import the engines first: their baseline is not the job's memory
        base = max(client.run(peak_rss_mb).values())
        rss0 = _rss_mb()
        t = time.perf_counter()
        if job == "grids":
            res = run_grids_distributed(prov.units, prov.communities, by="city", client=client,
                                        min_households=300, max_households=500)
            n_out = len(res.grids)
        else:
            demand = prov.units[["unit_id", "households", "city"]].set_geometry(prov.units.geometry.centroid)
            edges = tmp / "edges.parquet"
            if not edges.exists():
                network_to_parquet(prov.network, edges)
            res = run_coverage_distributed(demand, prov.stations, edges, by="city", client=client,
                                           max_walk_m=1000.0, workdir=tmp / "cov")
            n_out = int(np.isfinite(res["walk_m"]).sum())
        wall = time.perf_counter() - t
        client_delta = _rss_mb() - rss0
        workers = client.run(peak_rss_mb)
    finally:
        client.close()
        log.removeHandler(handler)
        log.setLevel(old)
    parts = [p for p in handler.parts]
    secs = np.array([p["seconds"] for p in parts])
    return {"job": job, "workers": n_workers, "wall_s": wall, "task_sum_s": secs.sum(), "task_max_s": secs.max(),
            "parts": len(parts), "worker_peak_mb": max(workers.values()), "worker_base_mb": base, "client_delta_mb": client_delta,
            "client_peak_mb": peak_rss_mb(), "n_out": n_out,
            "units_per_part": max(p.get("n_units", p.get("n_demand", 0)) for p in parts)}


def make_province(n_cities: int, n_communities: int, n_units: int, seed: int = 0):
    cpc = max(1, round(n_communities / n_cities))
    upc = max(1, round(n_units / (cpc * n_cities)))
    return lattice_province(n_cities=n_cities, communities_per_city=cpc, units_per_community=upc, unit_m=20.0,
                            street_m=100.0, stations_per_city=max(2, cpc // 4), seed=seed)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small province, under a minute")
    ap.add_argument("--cities", type=int, default=20)
    ap.add_argument("--communities", type=int, default=2000)
    ap.add_argument("--units", type=int, default=2_000_000)
    ap.add_argument("--grid-units", type=int, default=None,
                    help="units of the grid job's province (default --units; the grid engine needs ~0.35 ms/unit)")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--memory-limit", default="3GiB")
    ap.add_argument("--jobs", default="coverage,grids")
    args = ap.parse_args(argv)
    if args.quick:
        args.cities, args.communities, args.units = 4, 16, 8_000
    workers = [int(w) for w in args.workers.split(",")]
    jobs = args.jobs.split(",")
    import tempfile
    from pathlib import Path

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-province-") as tmpdir:
        tmp = Path(tmpdir)
        for job in jobs:
            units = args.units if job == "coverage" or args.grid_units is None else args.grid_units
            communities = args.communities if units == args.units else max(args.cities,
                                                                           round(args.communities * units / args.units))
            t = time.perf_counter()
            prov = make_province(args.cities, communities, units)
            print(f"\n{job}: {len(prov.units):,} units, {len(prov.communities):,} communities, {args.cities} cities "
                  f"of {prov.city_side_m / 1000:.1f} km, {prov.network.n_edges:,} street edges, "
                  f"{len(prov.stations)} stations (generated in {time.perf_counter() - t:.1f} s)")
            for w in workers:
                (tmp / "edges.parquet").unlink(missing_ok=True)
                r = run_job(job, prov, w, args.memory_limit, tmp)
                rows.append(r)
                print(f"  {w} worker(s): {r['wall_s']:.1f} s wall, tasks {r['task_sum_s']:.1f} s "
                      f"(longest {r['task_max_s']:.1f} s), worker peak {r['worker_peak_mb']:.0f} MB "
                      f"({r['worker_base_mb']:.0f} MB after imports), "
                      f"client +{r['client_delta_mb']:.0f} MB (peak {r['client_peak_mb']:.0f} MB)")
            del prov

        # memory follows the largest city, not the province: coverage, 2 workers
        scale = []
        if "coverage" in jobs:
            print("\npeak worker memory against city size (coverage job, 2 workers)")
            for n_cities, units in ((args.cities // 2, args.units // 2), (args.cities, args.units // 2),
                                    (args.cities, args.units)):
                prov = make_province(n_cities, args.communities * units // args.units, units)
                (tmp / "edges.parquet").unlink(missing_ok=True)
                r = run_job("coverage", prov, 2, args.memory_limit, tmp)
                scale.append((n_cities, units, units // n_cities, r))
                del prov
            print(f"{'cities':>8}{'units':>12}{'units/city':>12}{'wall s':>9}{'worker peak MB':>16}{'above imports':>15}")
            for n_cities, units, upc, r in scale:
                print(f"{n_cities:>8}{units:>12,}{upc:>12,}{r['wall_s']:>9.1f}{r['worker_peak_mb']:>16.0f}"
                      f"{r['worker_peak_mb'] - r['worker_base_mb']:>15.0f}")

    print("\nsummary")
    print(f"{'job':<10}{'workers':>8}{'parts':>7}{'wall s':>9}{'tasks s':>9}{'client s':>10}{'worker MB':>11}"
          f"{'client MB':>11}")
    for r in rows:
        client_s = max(0.0, r["wall_s"] - r["task_sum_s"] / r["workers"])
        print(f"{r['job']:<10}{r['workers']:>8}{r['parts']:>7}{r['wall_s']:>9.1f}{r['task_sum_s']:>9.1f}"
              f"{client_s:>10.1f}{r['worker_peak_mb']:>11.0f}{r['client_peak_mb']:>11.0f}")
    print("\nextrapolation to a cluster: wall ≈ client + max(longest task, task time / workers);"
          " province = the same province, memory per worker unchanged (largest city)")
    for r in rows:
        if r["workers"] != max(workers):
            continue
        client_s = max(0.0, r["wall_s"] - r["task_sum_s"] / r["workers"])
        est = "  ".join(f"{w} workers: {client_s + max(r['task_max_s'], r['task_sum_s'] / w):.0f} s"
                        for w in (8, 32, 128))
        print(f"  {r['job']:<9} {est}   (bounded by the client's {client_s:.0f} s of splitting and joining, "
              f"and by the longest city {r['task_max_s']:.0f} s; {math.ceil(r['parts'])} parts)")


if __name__ == "__main__":
    main()
