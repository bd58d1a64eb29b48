"""Block-piece moves for the grid engine's finish: a grid's piece of a street block held mostly by
a neighbouring grid goes to that grid whole, and that grid pays the households back across
their border elsewhere, the move and the payment priced together by the finish's objective.

A *piece* is a grid's units inside one street block (``_blockcut.street_blocks``) that hang
together. A grid reaching into a block its neighbour mostly holds leaves a border through the
block, off the streets, and no single move, swap or exchange of two units takes it back when
the piece holds a tower or a few walk-ups: every step on the way takes a grid past the rule.
Here each piece of a grid holding less than half of its block's area (smallest first) goes whole
to the grid holding most of the block among those it touches there, and the receiver hands back
to the giver one of these, whichever costs least: nothing (when both grids stay within the
rule), one of its own pieces touching the giver, or a set of its units grown breadth first from
one unit on the two grids' border, stopping at the first size that puts both grids within the
rule. The best is made when the objective (sizes, cut, spread and each grid's Polsby-Popper)
falls, both grids stay in one piece, no grid ends further off its size than the finish's
tolerance or than it was, no more grids end out of the band, and the plan's share of border on
streets does not fall (the length of border on streets gained at least that share of the
border gained).

It runs in the finish past 5,000 nodes, before the FM passes (``_fm``); on the uneven benchmark
towns of 10,000 units (seeds 1-6) a few moves a town (5 of the 475 pieces tried on seed 1), and
with the FM passes mean Polsby-Popper 0.514 -> 0.516 and border on streets 43.6% -> 44.0%
(``docs/grids.md``).

A piece's payments read only the round's start (its grid and its receiver have not changed
since: a grid takes part in one move a round), so on graphs of ``_AHEAD_NODES`` nodes or more
they are drawn ahead on the call's worker processes, a batch a job
(``spatial.core._procs.Foreseen``); its receiver is chosen again in its turn on the plan as it
is, and a payment drawn for another receiver is drawn again here: the labels are the same.

Each candidate is priced on the two grids' own units only (dense matrices of a few dozen nodes;
the cut to every other grid does not change when units move between the two), all payments of
a piece at once. Written here because no library moves pieces of a partition under this
objective. Imports numpy, scipy and the engine's private modules only.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from spatial.core._procs import PROCESSES, Foreseen
from spatial.grids._blockcut import street_blocks
from spatial.grids._graph import pass_arrays
from spatial.grids._objective import Shapes, Weights, _norms, _size_cost, _targets
from spatial.grids._prep import ROAD_CUT_FACTOR

logger = logging.getLogger(__name__)

__all__ = ["block_pieces", "piece_pass"]

#: Graphs of at least this many nodes draw the pieces' payments ahead on the worker processes.
_AHEAD_NODES = 3000
#: Pieces in one job sent to a worker (a piece's payments take about 0.3 ms at 10,000 units).
_BATCH = 16
#: A grid's piece is moved only where the grid holds less than this share of the block's area.
_MINORITY = 0.5


def block_pieces(labels: np.ndarray, block: np.ndarray, hh: np.ndarray) -> int:
    """Pieces of grids in street blocks holding households: distinct (grid, block) pairs (a grid
    in three such blocks counts three).

    Examples
    --------
    >>> import numpy as np
    >>> block_pieces(np.array([0, 0, 1, 1]), np.array([0, 0, 0, 1]), np.array([5.0, 0, 5, 0]))
    2
    """
    labels, block = np.asarray(labels, dtype=np.int64), np.asarray(block, dtype=np.int64)
    homes = np.bincount(block, weights=hh) > 0
    pairs = np.unique(labels[homes[block]] * (int(block.max()) + 1) + block[homes[block]])
    return int(len(pairs))


def piece_pass(adj: sparse.csr_matrix, hh: np.ndarray, xy: np.ndarray, labels: np.ndarray, *, min_hh: float,
               max_hh: float, weights: Weights, shapes: Shapes, rounds: int = 1, workers: int | None = None
               ) -> np.ndarray:
    """Labels after block-piece moves with the households paid back (see module docstring).

    Parameters
    ----------
    adj, hh, xy
        The engine's graph of cut costs (symmetric CSR), households and centroids (metres).
    labels
        Connected parts 0..k-1.
    min_hh, max_hh
        The band.
    weights
        The finish's weights; ``tolerance`` is how far off its size a grid may end.
    shapes
        The nodes' areas, perimeters and shared boundaries (each grid's Polsby-Popper).
    rounds
        Rounds at most (a grid takes part in one move a round).
    workers
        Processes the pieces' payments are drawn on ahead of their turn (default: ``PROCESSES``
        on graphs of ``_AHEAD_NODES`` nodes or more, else none); the labels are the same.

    Returns
    -------
    numpy.ndarray
        The labels; every move made lowered the objective (``_objective.objective`` with
        ``shapes``) and left both grids connected.
    """
    labels, hh, xy, k = pass_arrays(labels, hh, xy)
    if not k:
        return labels
    n = len(labels)
    block = street_blocks(adj, shapes)
    nb = int(block.max()) + 1
    tgt = np.maximum(_targets(adj, labels, hh, k), 1.0)
    w_band, _, w_cut, w_spread = _norms(adj, xy, k, tgt, weights)
    x, y = xy[:, 0] - xy[:, 0].mean(), xy[:, 1] - xy[:, 1].mean()
    area, perim = np.asarray(shapes.area, float), np.asarray(shapes.perimeter, float)
    # values at the cut graph's own entries: cut cost, shared boundary and the length of that on
    # a street (a street's cut cost is the boundary less four fifths of it: ``_prep``)
    coo = adj.tocoo()
    bound = np.asarray(shapes.shared.tocsr()[coo.row, coo.col]).ravel()
    on_street = np.clip((bound - coo.data) / (1 - ROAD_CUT_FACTOR), 0.0, bound)
    env = dict(adj=adj, hh=hh, x=x, y=y, area=area, perim=perim, tgt=tgt, w_band=w_band, w_cut=w_cut,
               w_spread=w_spread, weights=weights, min_hh=min_hh, max_hh=max_hh, bound=bound, on_street=on_street)
    made = tried = 0
    gain = 0.0
    workers = workers if workers is not None else (PROCESSES if n >= _AHEAD_NODES else 1)
    for _ in range(rounds):
        cut = labels[coo.row] != labels[coo.col]
        env["share"] = float(on_street[cut].sum() / max(bound[cut].sum(), 1e-9))
        same = ~cut & (block[coo.row] == block[coo.col])
        m = sparse.csr_matrix((np.ones(int(same.sum())), (coo.row[same], coo.col[same])), shape=adj.shape)
        pid = connected_components(m, directed=False)[1]
        npc = int(pid.max()) + 1
        p_grid, p_block = np.zeros(npc, dtype=np.int64), np.zeros(npc, dtype=np.int64)
        p_grid[pid], p_block[pid] = labels, block
        p_area = np.bincount(pid, weights=area, minlength=npc)
        g_area = np.bincount(labels, weights=area, minlength=k)
        gb_area = np.bincount(labels * nb + block, weights=area, minlength=k * nb)
        b_area = np.bincount(block, weights=area, minlength=nb)
        share = gb_area[p_grid * nb + p_block] / np.maximum(b_area[p_block], 1e-9)
        cand = np.flatnonzero((share < _MINORITY) & (p_area < 0.5 * g_area[p_grid]))
        cand = cand[np.argsort(p_area[cand], kind="stable")]
        members = np.split(np.argsort(labels, kind="stable"), np.cumsum(np.bincount(labels, minlength=k))[:-1])
        busy = np.zeros(k, dtype=bool)
        moved = 0
        # a piece's payments read only the round's start (its grid and receiver unchanged since:
        # neither is busy); the receiver is chosen on the plan as it is now, so a payment drawn
        # ahead on the round's start is used only where it was drawn for the same receiver
        look = (adj, block, members, pid, p_grid, p_block, gb_area, nb)
        cand = cand.tolist()
        with Foreseen(_payment_of, (env, look, labels), cand, workers=workers, batch=_BATCH) as ahead:
            for i, p in enumerate(cand):
                if busy[p_grid[p]]:
                    continue
                turn = _receiver(look, labels, p)
                if turn is None:
                    continue
                a, b, P = turn
                if busy[b]:
                    continue
                tried += 1
                hit, drawn = ahead.drawn(i)
                got = drawn[1] if hit and drawn is not None and drawn[0] == b else _payment(env, look, a, b, P)
                if got is None:
                    continue
                side, delta = got
                nodes = np.concatenate([members[a], members[b]])
                labels[nodes] = np.where(side == 0, a, b)
                busy[[a, b]] = True
                made += 1
                moved += 1
                gain += delta
        if moved == 0:
            break
    logger.debug("block pieces: %d of %d pieces moved, objective %.1f", made, tried, gain)
    return labels


def _receiver(look, labels: np.ndarray, p: int):
    """``(a, b, P)`` for piece ``p``: its grid, the grid holding most of its block among those it
    touches there on ``labels``, and its positions among ``a``'s nodes; None when it touches none."""
    adj, block, members, pid, p_grid, p_block, gb_area, nb = look
    a, B = int(p_grid[p]), int(p_block[p])
    P = np.flatnonzero(pid[members[a]] == p)  # positions among a's nodes
    at = _row_entries(adj, members[a][P])
    c = adj.indices[at]
    inside = (labels[c] != a) & (block[c] == B)
    if not inside.any():
        return None
    nbrs = np.unique(labels[c[inside]])
    return a, int(nbrs[np.argmax(gb_area[nbrs * nb + B])]), P


def _payment(env, look, a: int, b: int, P: np.ndarray):
    """``_best_payment`` of piece ``P`` of ``a`` going to ``b``, the two grids as at the round's start."""
    members, pid = look[2], look[3]
    nodes = np.concatenate([members[a], members[b]])
    return _best_payment(env, nodes, len(members[a]), P, a, b, pid[nodes])


def _payment_of(state, p: int):
    """``(b, _payment)`` of piece ``p`` on the plan at the round's start (on the workers too), or
    None when it touches no other grid in its block."""
    env, look, labels = state
    turn = _receiver(look, labels, p)
    if turn is None:
        return None
    a, b, P = turn
    return b, _payment(env, look, a, b, P)


def _row_entries(adj: sparse.csr_matrix, nodes: np.ndarray) -> np.ndarray:
    """Positions in ``adj.indices`` of every entry of ``nodes``' rows."""
    start = adj.indptr[nodes]
    length = adj.indptr[nodes + 1] - start
    ends = np.cumsum(length)
    return np.arange(int(ends[-1]) if len(nodes) else 0) + np.repeat(start - (ends - length), length)


def _dense(adj: sparse.csr_matrix, nodes: np.ndarray, *values: np.ndarray) -> list[np.ndarray]:
    """Dense ``len(nodes)``-square matrices of ``values`` (arrays at ``adj``'s entries) among
    ``nodes``, from one selection of the entries."""
    m = len(nodes)
    at = _row_entries(adj, nodes)
    pos = np.full(adj.shape[1], -1, dtype=np.intp)
    pos[nodes] = np.arange(m)
    col = pos[adj.indices[at]]
    keep = col >= 0
    row = np.repeat(np.arange(m), adj.indptr[nodes + 1] - adj.indptr[nodes])[keep]
    at, col = at[keep], col[keep]
    out = []
    for v in values:
        d = np.zeros((m, m))
        d[row, col] = v[at]
        out.append(d)
    return out


def _whole(near: np.ndarray, mask: np.ndarray) -> bool:
    """Whether the nodes of ``mask`` hang together in the dense neighbour matrix ``near``."""
    idx = np.flatnonzero(mask)
    if len(idx) == 0:
        return False
    reach = np.zeros(len(mask), dtype=bool)
    reach[idx[0]] = True
    while True:
        grown = (near[reach].any(axis=0) & mask) | reach
        if grown.sum() == reach.sum():
            return bool(grown.sum() == len(idx))
        reach = grown


def _grow(seed: int, near: np.ndarray, free: np.ndarray, h: np.ndarray, lo: float, hi: float):
    """A mask of nodes grown breadth first from ``seed`` through ``free`` nodes, stopped at the
    first households in [lo, hi]; None when it passes ``hi`` or runs out first."""
    order = [seed]
    seen = np.zeros(len(free), dtype=bool)
    seen[seed] = True
    total = 0.0
    i = 0
    while i < len(order):
        u = order[i]
        i += 1
        total += h[u]
        if total > hi + 1e-9:
            return None
        if total >= lo - 1e-9:
            out = np.zeros(len(free), dtype=bool)
            out[order[:i]] = True
            return out
        nxt = np.flatnonzero(near[u] & free & ~seen)
        seen[nxt] = True
        order.extend(nxt.tolist())
    return None


def _best_payment(env, nodes: np.ndarray, na: int, P: np.ndarray, a: int, b: int, pid: np.ndarray):
    """(side of each of ``nodes``: 0 for ``a``, 1 for ``b``; objective change) after the piece
    ``P`` (positions among ``nodes``' first ``na``, those of ``a``) went to ``b`` and the best
    payment came back, or None."""
    h = env["hh"][nodes]
    tgt = env["tgt"]
    t = np.array([tgt[a], tgt[b]])
    tol = env["weights"].tolerance
    hs = np.array([h[:na].sum(), h[na:].sum()])
    dh = h[P].sum()
    # households the receiver may hand back: each grid ends within the tolerance or no further off
    reach = np.maximum(np.abs(hs - t), tol * t)
    lo = max(t[0] - reach[0] - (hs[0] - dh), (hs[1] + dh) - (t[1] + reach[1]), 0.0)
    hi = min(t[0] + reach[0] - (hs[0] - dh), (hs[1] + dh) - (t[1] - reach[1]))
    if hi < lo - 1e-9:
        return None
    C, S, R = _dense(env["adj"], nodes, env["adj"].data, env["bound"], env["on_street"])
    near = C > 0
    m = len(nodes)
    side = np.zeros(m)
    side[na:] = 1.0
    moved = side.copy()
    moved[P] = 1.0
    if not _whole(near, moved == 0):
        return None
    ours = (moved == 1) & (side == 1)  # the receiver's own units (the piece is not paid back)
    border = np.flatnonzero(ours & near[:, moved == 0].any(axis=1))
    pays = [np.zeros(m, dtype=bool)] if lo <= 1e-9 else []
    for q in np.unique(pid[border]):  # the receiver's own pieces touching the giver
        Q = ours & (pid == q)
        if lo - 1e-9 <= h[Q].sum() <= hi + 1e-9:
            pays.append(Q)
    for s in border:  # sets grown from each unit on the border
        got = _grow(int(s), near, ours, h, lo, hi)
        if got is not None:
            pays.append(got)
    if not pays:
        return None
    rows = {}
    for pay in pays:  # side of each node, a payment a row (each payment once)
        z = moved - pay
        rows.setdefault(z.tobytes(), z)
    Z = np.array(list(rows.values()))
    delta, road_gain = _priced(env, nodes, C, S, R, side, Z, a, b)
    order = np.argsort(delta, kind="stable")
    for i in order:
        if delta[i] >= -1e-9:
            break
        if road_gain[i] < -1e-9:  # the plan's share of border on streets would fall
            continue
        z = Z[i]
        hz = np.array([h[z == 0].sum(), h[z == 1].sum()])
        if ((hz < env["min_hh"]) | (hz > env["max_hh"])).sum() > ((hs < env["min_hh"]) | (hs > env["max_hh"])).sum():
            continue
        if np.any(np.abs(hz - t) / t > reach / t + 1e-9):
            continue
        if not (_whole(near, z == 0) and _whole(near, z == 1)):
            continue
        return z.astype(np.int64), float(delta[i])
    return None


def _priced(env, nodes, C, S, R, side, Z, a, b):
    """For each row of ``Z`` (a side per node), the change of the objective from ``side`` and the
    length of border on streets gained less the plan's share of the border gained."""
    w = env["weights"]
    h, x, y = env["hh"][nodes], env["x"][nodes], env["y"][nodes]
    ar, pe = env["area"][nodes], env["perim"][nodes]
    t = np.array([env["tgt"][a], env["tgt"][b]])
    Zs = np.vstack([side, Z])
    out = np.zeros(len(Zs))
    for s in (0.0, 1.0):
        M = (Zs == s).astype(float)
        cnt = np.maximum(M.sum(axis=1), 1)
        hs = M @ h
        sx, sy, sq = M @ x, M @ y, M @ (x * x + y * y)
        inner = ((M @ S) * M).sum(axis=1)
        A, per = M @ ar, M @ pe - inner
        out += _size_cost(hs, t[int(s)], env["min_hh"], env["max_hh"], env["w_band"], w)
        out += env["w_spread"] * (sq - (sx * sx + sy * sy) / cnt)
        if w.shape > 0:
            out += w.shape * (1 - 4 * np.pi * A / np.maximum(per, 1e-9) ** 2)
    M0, M1 = (Zs == 0).astype(float), (Zs == 1).astype(float)
    out += env["w_cut"] * ((M0 @ C) * M1).sum(axis=1)
    road = ((M0 @ R) * M1).sum(axis=1)
    border = ((M0 @ S) * M1).sum(axis=1)
    road_gain = (road[1:] - road[0]) - env["share"] * (border[1:] - border[0])
    return out[1:] - out[0], road_gain
