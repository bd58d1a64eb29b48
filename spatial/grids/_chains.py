"""Chains of neighbouring grids handing on boundary units, for redraw (网格调整).

An over-band grid pushes its overflow along the shortest chain of neighbouring grids (breadth-first
in the grid adjacency graph) to the nearest grid with room, each grid on the chain handing
boundary units to the next; an under-band grid pulls along a chain from the nearest grid with
households to spare. A chain is kept only when the band violation falls (and, given an outer band
to keep, no grid leaves it). :func:`even_out` runs the same chains on the band narrowed round a
community's mean grid. Plain Python on CSR arrays of one community: the chains are short and
the grids few, so no library fits; imports numpy (and the engine's pieces of each part, to check
a grid is whole).
"""

from __future__ import annotations

from collections import deque

import numpy as np

__all__ = ["band_violation", "drop_added", "even_out", "nearest_splittable", "place_unplanned", "put_back",
           "rebalance"]


class _State:
    """Labels of one community's nodes with part totals, members, neighbour lists and a connectivity test."""

    def __init__(self, adj, hh, labels, fixed):
        self.nbrs = [adj.indices[adj.indptr[u]:adj.indptr[u + 1]].tolist() for u in range(len(hh))]
        self.w = [adj.data[adj.indptr[u]:adj.indptr[u + 1]].tolist() for u in range(len(hh))]
        coo = adj.tocoo()
        self.eu, self.ev = coo.row.astype(np.int64), coo.col.astype(np.int64)
        self.hh = hh.tolist()
        self.lab = labels.tolist()
        self.fixed = fixed.tolist()
        k = int(labels.max()) + 1
        self.ph = np.bincount(labels, weights=hh, minlength=k).tolist()
        self.members = [set() for _ in range(k)]
        for u, a in enumerate(self.lab):
            self.members[a].add(u)

    def snapshot(self):
        return list(self.lab), list(self.ph), [set(m) for m in self.members]

    def restore(self, snap):
        self.lab, self.ph, self.members = snap[0], snap[1], snap[2]

    def move(self, u, b):
        a = self.lab[u]
        self.lab[u] = b
        self.ph[a] -= self.hh[u]
        self.ph[b] += self.hh[u]
        self.members[a].discard(u)
        self.members[b].add(u)

    def connected_without(self, u):
        a = self.lab[u]
        size = len(self.members[a])
        start = next((v for v in self.nbrs[u] if self.lab[v] == a), -1)
        if start < 0:
            return size == 1
        seen, stack = {u, start}, [start]
        while stack:
            x = stack.pop()
            for y in self.nbrs[x]:
                if y not in seen and self.lab[y] == a:
                    seen.add(y)
                    stack.append(y)
        return len(seen) == size

    def part_graph(self):
        """Grid adjacency: grid -> set of neighbouring grids (vectorised over the unit edges)."""
        lab = np.asarray(self.lab, dtype=np.int64)
        a, b = lab[self.eu], lab[self.ev]
        diff = a != b
        k = len(self.ph)
        pairs = np.unique(a[diff] * k + b[diff])
        g = {}
        for x, y in zip((pairs // k).tolist(), (pairs % k).tolist()):
            g.setdefault(x, set()).add(y)
        return g

    def transfer(self, src, dst, amount):
        """Hand boundary units of ``src`` to ``dst`` until about ``amount`` households moved.

        Preference: one unit holding enough, else the largest that fits; ties to the unit sharing
        most boundary with ``dst``. The donor always keeps one unit and stays connected. Empty
        units handed on are kept only where they join a unit with households to ``dst``: the rest
        go back (:meth:`_prune`).
        """
        moved = 0.0
        handed = []
        while amount - moved > 0 and len(self.members[src]) > 1:
            need = amount - moved
            cands = []
            for u in self.members[src]:
                if self.fixed[u]:
                    continue
                touch = sum(w for v, w in zip(self.nbrs[u], self.w[u]) if self.lab[v] == dst)
                if touch > 0:
                    x = self.hh[u]
                    cands.append(((0 if x >= need else 1, abs(x - need), -touch, u), u))
            u = next((v for _, v in sorted(cands) if self.connected_without(v)), None)
            if u is None:
                break
            self.move(u, dst)
            handed.append(u)
            moved += self.hh[u]
        self._prune(handed, src, dst)
        return moved

    def _prune(self, handed, src, dst):
        """Empty units of ``handed`` (moved from ``src`` to ``dst``) go back to ``src`` wherever
        ``dst`` stays in one piece without them, last moved first, round after round.

        An empty unit moves no households, so :meth:`transfer` goes on handing over every empty
        unit touching ``dst`` until one with households comes within reach, or none is left: on
        the uneven town of seed 2 (2,000 units, one block grown 60%) grid C1-28 handed 53 units,
        52 of them empty, to C1-23, and its Polsby-Popper fell from 0.695 to 0.117; 131 units
        moved in all (35 with this
        alone; 6 with the chain chosen for round grids). Only the empty units joining a unit
        handed on to ``dst`` stay."""
        empty = [u for u in reversed(handed) if not self.hh[u]]
        for _ in range(len(empty)):
            back = False
            for u in empty:
                if self.lab[u] != dst or len(self.members[dst]) < 2:
                    continue
                if any(self.lab[v] == src for v in self.nbrs[u]) and self.connected_without(u):
                    self.move(u, src)
                    back = True
            if not back:
                break


def band_violation(ph, lo, hi):
    return sum(max(0.0, h - hi) + max(0.0, lo - h) for h in ph)


def _chains(state, start, lo, hi, over, limit=6):
    """Chains of neighbouring grids from ``start`` to grids with room (over) / to spare (under).

    Breadth-first over the grid adjacency graph; the chains come shortest first, those ending
    in a grid with room for the whole excess before the others (units are lumpy, so a grid
    with little room may still fail and the next chain is tried).
    """
    g = state.part_graph()
    need = state.ph[start] - hi if over else lo - state.ph[start]
    prev = {start: None}
    dist = {start: 0}
    q = deque([start])
    found = []
    while q:
        a = q.popleft()
        room = (hi - state.ph[a]) if over else (state.ph[a] - lo)
        if a != start and room > 0:
            found.append((room < need, dist[a], -room, a))
        for b in sorted(g.get(a, ())):
            if b not in prev:
                prev[b] = a
                dist[b] = dist[a] + 1
                q.append(b)
    paths = []
    for *_, a in sorted(found)[:limit]:
        path = [a]
        while prev[path[-1]] is not None:
            path.append(prev[path[-1]])
        paths.append(path[::-1])
    return paths


def rebalance(adj, hh, labels, fixed, *, min_hh, max_hh, max_chains=None, keep=None, shapes=None):
    """Move few boundary nodes along grid chains until grids are in band (arrays of one community).

    ``keep`` is an outer band ``(lo, hi)`` to keep: a chain is kept only when it lowers the
    violation of the band, takes no grid out of ``keep`` and adds nothing to its violation.
    With ``shapes`` (the nodes' :class:`~spatial.grids._objective.Shapes`), every chain from a grid
    is tried and, of those that help as much, the one leaving the grids on it roundest (the
    lowest Polsby-Popper of them, then their mean) is kept; without, the first that helps.
    """
    st = _State(adj, np.asarray(hh, dtype=float), np.asarray(labels), np.asarray(fixed, dtype=bool))

    def violation():
        """(violation of ``keep``, grids within it, violation of the band)."""
        if keep is None:
            return 0.0, None, band_violation(st.ph, min_hh, max_hh)
        ph = np.asarray(st.ph)
        return band_violation(ph, *keep), (ph >= keep[0]) & (ph <= keep[1]), band_violation(ph, min_hh, max_hh)

    def better(after, before):
        kept = before[1] is None or bool((after[1] | ~before[1]).all())
        return kept and after[0] <= before[0] + 1e-9 and after[2] < before[2] - 1e-9

    k = len(st.ph)
    budget = max_chains if max_chains is not None else 20 * k + 20
    blocked = set()
    while budget > 0:
        budget -= 1
        bad = [(max(st.ph[a] - max_hh, min_hh - st.ph[a]), a) for a in range(k)
               if (st.ph[a] > max_hh or st.ph[a] < min_hh) and st.members[a] and a not in blocked]
        if not bad:
            break
        _, a = max(bad)
        over = st.ph[a] > max_hh
        before = violation()
        done = False
        saved, best = st.snapshot(), None
        for path in _chains(st, a, min_hh, max_hh, over):
            if over:
                for src, dst in zip(path[:-1], path[1:]):
                    excess = st.ph[src] - max_hh  # each grid on the chain passes on only its overflow
                    if excess > 0:
                        st.transfer(src, dst, excess)
            else:
                for dst, src in zip(path[:-1], path[1:]):
                    deficit = min_hh - st.ph[dst]
                    if deficit > 0:
                        st.transfer(src, dst, deficit)
            after = violation()
            if better(after, before):
                if shapes is None:
                    done = True
                    break
                # with the nodes' shapes: of the chains that help as much, the one leaving the grids
                # it changed roundest (the worst of them first), not the first found
                pp = shapes.polsby_popper(np.asarray(st.lab, dtype=np.int64))[path]
                score = (round(after[0], 6), round(after[2], 6), -float(pp.min()), -float(pp.mean()))
                if best is None or score < best[0]:
                    best = (score, st.snapshot())
            st.restore(saved)
            saved = st.snapshot()
        if best is not None:
            st.restore(best[1])
        elif not done:
            blocked.add(a)
    return np.asarray(st.lab, dtype=np.int64)


def even_out(sub, hh, lab, fixed, lo, hi, pct):
    """Chains that bring the grids of one community within ``pct`` of its mean grid (the band
    narrowed to it), never taking a grid out of ``lo``-``hi``.

    The narrowed band is reached in rounds, four and two times as wide first: with every grid near
    the mean, no neighbour has the room to take a far grid's excess, so the far grids come in
    first while the others still have room (on the benchmark towns after one block grew 60%, the
    furthest grid within 5%: 18.1% -> 7.2% and 18.6% -> 5.8% off at 2,000 units, 23.4% -> 12.0%
    at 10,000). Which chains the first rounds take decides what the last can reach, so while a
    grid is still beyond the rule the rounds are tried again from two and then from one times as
    wide: the first plan within the rule is kept, else the one whose furthest grid is nearest
    (then the fewest units moved). On North Carolina's counties, one grid grown 60% and a rule of
    10%: 18.1% -> 9.1% off, 4 counties moved.
    """
    k = int(lab.max()) + 1
    mean = hh.sum() / k
    if max(lo, mean * (1 - pct / 100)) > min(hi, mean * (1 + pct / 100)):
        return lab  # the mean grid itself lies outside the band: the band is all there is
    best = None
    for schedule in ((4, 2, 1), (2, 1), (1,)):
        new = lab
        for f in schedule:
            near_lo, near_hi = max(lo, mean * (1 - f * pct / 100)), min(hi, mean * (1 + f * pct / 100))
            new = rebalance(sub, hh, new, fixed, min_hh=near_lo, max_hh=near_hi, keep=(lo, hi))
        furthest = float(np.abs(np.bincount(new, weights=hh, minlength=k) - mean).max())
        score = (round(furthest, 6), int((new != lab).sum()))
        if best is None or score < best[0]:
            best = (score, new)
        if furthest <= mean * pct / 100 + 1e-9:
            break
    return best[1]


def put_back(adj, hh, lab, planned, fixed, *, lo, hi, pct=None, slack=1.0):
    """Units the redraw moved go back to the grid the plan gave them wherever that costs nothing
    asked for (arrays of one community).

    A unit goes back when it touches its planned grid (``planned``; -1: none), its grid now keeps
    another unit and stays in one piece, both grids stay in the band ``lo``-``hi`` (and, with
    ``pct``, neither ends further past ``pct`` of the mean grid than it is) or were out of it
    before by as much, and the border it changes lengthens by at most ``slack`` typical edges'
    cut cost. A chain that reaches a tower through empty ground hands on every empty unit in
    its way, not only the few that join the tower to its new grid: on the uneven town of seed 12
    (2,000 units, one block grown 60%) the band's chains moved 165 units for two grids over the
    band, 122 of them shops, schools and empty lots; 25 go back (140 moved), and the border on
streets of the plan rises from 66.8% to 68.1%. Rounds until no unit goes back.
    """
    lab = np.asarray(lab, dtype=np.int64)
    planned = np.asarray(planned, dtype=np.int64)
    k = int(lab.max()) + 1
    todo = np.flatnonzero((lab != planned) & (planned >= 0) & (planned < k) & ~np.asarray(fixed, dtype=bool))
    if not len(todo):
        return lab
    st = _State(adj, np.asarray(hh, dtype=float), lab, np.asarray(fixed, dtype=bool))
    typical = float(np.median(adj.data)) if adj.nnz else 0.0
    mean = float(np.sum(hh)) / k
    far = None if pct is None else pct / 100 * mean

    def fits(x, now):
        """Whether a grid of ``x`` households (``now`` before) is as much in the band and rule as before."""
        out = max(lo - x, x - hi, 0.0) <= max(lo - now, now - hi, 0.0) + 1e-9
        return out and (far is None or abs(x - mean) <= max(far, abs(now - mean)) + 1e-9)

    for _ in range(len(todo)):
        moved = False
        for u in todo.tolist():
            a, b = st.lab[u], int(planned[u])
            if a == b or len(st.members[a]) < 2 or not st.members[b]:
                continue
            to_a = to_b = 0.0
            for v, w in zip(st.nbrs[u], st.w[u]):
                if st.lab[v] == a:
                    to_a += w
                elif st.lab[v] == b:
                    to_b += w
            if to_b <= 0 or to_a - to_b > slack * typical:
                continue
            h = st.hh[u]
            if h and not (fits(st.ph[a] - h, st.ph[a]) and fits(st.ph[b] + h, st.ph[b])):
                continue
            if not st.connected_without(u):
                continue
            st.move(u, b)
            moved = True
        if not moved:
            break
    return np.asarray(st.lab, dtype=np.int64)


def nearest_splittable(sub, lab, ph, start, least, fixed, skip=()):
    """The heaviest of the grids nearest ``start`` (itself first) holding at least ``least`` households."""
    k = len(ph)
    g = [set() for _ in range(k)]
    coo = sub.tocoo()
    for a, b in zip(lab[coo.row], lab[coo.col]):
        if a != b:
            g[a].add(b)
    size = np.bincount(lab, minlength=k)
    movable = np.bincount(lab, weights=~fixed, minlength=k)
    seen = {start}
    level = [start]
    while level:
        ok = [a for a in level if ph[a] >= least and size[a] >= 2 and movable[a] >= 1 and a not in skip]
        if ok:
            return max(ok, key=lambda a: (ph[a], -a))
        nxt = []
        for a in level:
            for b in sorted(g[a]):
                if b not in seen:
                    seen.add(b)
                    nxt.append(b)
        level = nxt
    return None


def place_unplanned(sub, lab):
    """Give nodes with no grid (-1) to the neighbouring grid they share most boundary with, round
    after round; a node no grid reaches keeps -1."""
    lab = np.asarray(lab).copy()
    for _ in range(len(lab)):
        todo = np.flatnonzero(lab < 0)
        progress = False
        for u in todo:
            cols = sub.indices[sub.indptr[u]:sub.indptr[u + 1]]
            w = sub.data[sub.indptr[u]:sub.indptr[u + 1]]
            ok = lab[cols] >= 0
            if ok.any():
                lab[u] = int(np.argmax(np.bincount(lab[cols][ok], weights=w[ok])))
                progress = True
        if not progress:
            break
    return lab


def drop_added(sub, hh, lab, added, fixed, *, min_hh, max_hh):
    """Grids in ``added`` (split off by this redraw) that the band can do without, emptied.

    Smallest first, each is handed to its neighbours (:func:`place_unplanned`) and the chains run
    again (:func:`rebalance`); it stays dropped when the band violation does not rise and every grid
    is in one piece. A split that leaves a grid 9 households over the band is otherwise split again:
    a community of towers of 173-307 households grown from 2,794 to 3,431 came out in nine grids,
    where eight hold 373-493 each. Returns the labels (dropped grids hold nothing) and the grids
    dropped, in order.
    """
    lab = np.asarray(lab, dtype=np.int64)
    k = int(lab.max()) + 1
    dropped: list[int] = []
    while True:
        ph = np.bincount(lab, weights=hh, minlength=k)
        alive = np.bincount(lab, minlength=k) > 0  # grids dropped before hold nothing: not under the band
        before = band_violation(ph[alive], min_hh, max_hh)
        for g in np.argsort(ph, kind="stable").tolist():
            if g not in added or g in dropped or fixed[lab == g].any() or not (lab == g).any():
                continue
            trial = place_unplanned(sub, np.where(lab == g, -1, lab))
            if (trial < 0).any():
                continue
            trial = rebalance(sub, hh, trial, fixed, min_hh=min_hh, max_hh=max_hh)
            after = np.bincount(trial, weights=hh, minlength=k)
            left = np.bincount(trial, minlength=k) > 0
            if not left[g] and band_violation(after[left], min_hh, max_hh) <= before + 1e-9 and _whole(sub, trial):
                lab = trial
                dropped.append(g)
                break
        else:
            return lab, dropped


def _whole(sub, lab) -> bool:
    """Whether every grid of ``lab`` is in one piece (as many pieces as grids)."""
    from spatial.grids._engine import part_components

    return len(np.unique(part_components(sub, lab))) == len(np.unique(lab))
