"""What a 街道 office receives, read as an official and a GIS technician read it: the workbook,
the KMZ and the CSVs say the same thing in the same words, and Chinese coordinate systems
(CGCS2000 degrees and Gauss-Krüger zones) give the same answers as WGS-84."""

import pandas as pd
from openpyxl import load_workbook

from spatial.io.workbook import write_workbook


def _sheet(path, title):
    values = list(load_workbook(path)[title].values)
    return values[0], values[1:]


def test_workbook_gap_rank_is_a_rank_by_households_not_a_build_order(tmp_path):
    # Gap G1 (most households) is ranked 1; the first new site is built elsewhere (NEW001 covers
    # gap G2's homes). The 盲区 sheet must not call the gap's rank a build order (建设顺序), which
    # is the 新站选址 sheet's column: the maps and the KMZ call it 排名 (按户数排名).
    summary = pd.DataFrame({"level": ["overall"], "id": ["all"], "households": [1000],
                            "hh_15min": [400], "pct_hh_15min": [40.0]})
    gaps = pd.DataFrame({"gap_id": ["G1", "G2", "N1"], "rank": [1, 2, None],
                         "cause": ["service", "service", "no mapped path"],
                         "households": [350, 200, 50]})
    sites = pd.DataFrame({"site_id": ["NEW001"], "rank": [1], "candidate_id": ["node:7"],
                          "gain_households": [200], "cum_coverage_pct": [60.0]})
    path = write_workbook(tmp_path / "s.xlsx", summary, gaps=gaps, sites=sites)
    head, rows = _sheet(path, "盲区")
    assert "建设顺序" not in head
    rank = head.index("排名（按户数）")
    assert [r[rank] for r in rows] == [1, 2, None]
    assert _sheet(path, "新站选址")[0][1] == "建设顺序"
    notes = [r for r in load_workbook(path)["说明"].values if r[1] in ("建设顺序", "排名（按户数）")]
    assert {(r[0], r[1]) for r in notes} == {("新站选址", "建设顺序"), ("盲区", "排名（按户数）")}
