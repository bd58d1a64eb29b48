import time, numpy as np, sys
from benchmarks.bench_grids import make_case, prepared, score
from spatial.grids._engine import partition, objective
n,k = int(sys.argv[1]), int(sys.argv[2])
case = make_case("uneven", n, k)
prep, node, hh, xy, cost = prepared(case)
print("nodes", len(hh), "hh total", hh.sum(), "mean", hh.sum()/k, "max node hh", hh.max(), "nodes>300", (hh>300).sum())
t=time.perf_counter()
lab = partition(cost, hh, xy, k, min_hh=300, max_hh=500)
print("t", time.perf_counter()-t)
ph = np.bincount(lab, weights=hh)
mean = ph.mean()
dev = np.abs(ph-mean)/mean
print("dev quantiles", np.quantile(dev,[.5,.9,.95,.99,1]).round(3), "n>5%", (dev>0.05).sum())
worst = np.argsort(-dev)[:10]
for w in worst:
    m = lab==w
    print(w, ph[w], m.sum(), "max unit", hh[m].max(), "units hh", np.sort(hh[m])[::-1][:8])
gated = case[0]["gated"].to_numpy()
print(score(prep, gated, lab[node]))
