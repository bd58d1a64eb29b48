"""One number everywhere: the same figure read from the printed line, the CSVs, the workbook, the
maps and the KMZ of one run agrees, to the rounding each shows, and every household is in the rows
an official adds up. Each output is read here with plain readers (csv, openpyxl, json, sqlite3)."""

from __future__ import annotations

import csv
import html
import json
import re
import sqlite3
from pathlib import Path

import geopandas as gpd
import pytest
from openpyxl import load_workbook
from shapely.geometry import LineString, Point, box

from spatial.cli import main

UTM = "EPSG:32650"
X0, Y0 = 500_000, 2_500_000


def street_town(folder: Path, homes, communities=None) -> dict[str, Path]:
    """A 2 km street east from a station at its west end (100 m segments, UTM 50N), and homes as
    10 m x 4 m boxes: ``(unit_id, x, y, households)``, x and y from the station, in metres."""
    p = {k: folder / f"{k}.gpkg" for k in ("roads", "stations", "units", "communities")}
    lines = [LineString([(X0 + 100 * i, Y0), (X0 + 100 * (i + 1), Y0)]) for i in range(20)]
    gpd.GeoDataFrame({"highway": ["footway"] * len(lines)}, geometry=lines, crs=UTM).to_file(p["roads"])
    gpd.GeoDataFrame({"station_id": ["S1"], "name": ["一号站"], "floor_area_m2": [400.0]},
                     geometry=[Point(X0, Y0)], crs=UTM).to_file(p["stations"])
    ids, xs, ys, hh = zip(*homes)
    gpd.GeoDataFrame({"unit_id": ids, "households": hh},
                     geometry=[box(X0 + x - 5, Y0 + y - 2, X0 + x + 5, Y0 + y + 2) for x, y in zip(xs, ys)],
                     crs=UTM).to_file(p["units"])
    outlines = communities or [("C1", "东社区", box(X0 - 50, Y0 + 5, X0 + 2000, Y0 + 400))]
    gpd.GeoDataFrame({"community_id": [c[0] for c in outlines], "name": [c[1] for c in outlines]},
                     geometry=[c[2] for c in outlines], crs=UTM).to_file(p["communities"])
    return p


def run_project(folder: Path, files: dict[str, Path], capsys, *, band=(1, 3000), sites: int = 0) -> tuple[Path, str]:
    """``spatial run`` of the town in ``folder``: its output folder and what it printed."""
    text = f"""[project]
name = "town"
output = "run"
[inputs]
network = "{files['roads'].name}"
communities = "{files['communities'].name}"
units = "{files['units'].name}"
stations = "{files['stations'].name}"
[grids]
min_households = {band[0]}
max_households = {band[1]}
[coverage]
minutes = [5, 10, 15]
{f"[siting]{chr(10)}k = {sites}" if sites else ""}
[outputs]
maps = true
workbook = true
png = false
kml = true
"""
    (folder / "town.toml").write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["run", str(folder / "town.toml")]) == 0
    return folder / "run", capsys.readouterr().out


def csv_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def sheet_rows(path: Path, name: str) -> list[dict]:
    rows = list(load_workbook(path)[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def map_table(path: Path) -> list[list[str]]:
    """The cells of the coverage table a map shows (its HTML is a JSON string in the page)."""
    page = path.read_text(encoding="utf-8")
    for m in re.finditer(r'div\.innerHTML = ("(?:[^"\\]|\\.)*");', page):
        box_html = json.loads(m.group(1))
        if "<table>" in box_html:
            rows = re.findall(r"<tr>(.*?)</tr>", box_html)
            return [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r)]
                    for r in rows]
    raise AssertionError(f"no table in {path}")


# --------------------------------------------------------------------------- one share, one rounding


def test_a_share_on_a_half_reads_the_same_in_the_line_the_csv_the_workbook_and_the_map(tmp_path, capsys):
    """37 of 2,000 households within 5 minutes is 1.85%, 1,037 within 10 is 51.85%: by hand 1.9% and
    51.9%. The printed line and the map's table said 1.9 and 51.9, the CSV and the workbook 1.8 and
    51.8 (pandas rounds the float 51.849999..., Python's format the same float the other way)."""
    files = street_town(tmp_path, [("A", 200, 10, 37), ("B", 500, 10, 1000), ("C", 1500, 10, 963)])
    out, printed = run_project(tmp_path, files, capsys)
    assert "5分钟内 37 户（1.9%），10分钟内 1,037 户（51.9%），15分钟内 1,037 户（51.9%）" in printed
    overall = next(r for r in csv_rows(out / "coverage_summary.csv") if r["level"] == "overall")
    assert [overall[f"pct_hh_{b}"] for b in ("5min", "10min", "15min")] == ["1.9", "51.9", "51.9"]
    sheet = sheet_rows(out / "summary.xlsx", "总体")[0]
    assert [sheet[f"{b}分钟内户数占比（%）"] for b in (5, 10, 15)] == [1.9, 51.9, 51.9]
    for name in ("coverage.html", "overview.html"):
        table = map_table(out / name)
        assert table[1] == ["全部", "2000", "1.9", "51.9", "51.9"], name
    # the community's popup on the map (its own figures, rounded for display)
    page = (out / "coverage.html").read_text(encoding="utf-8")
    assert '"pct_hh_10min":[51.9]' in page and '"pct_hh_5min":[1.9]' in page


# --------------------------------------------------------------------------- the words the figures mean


def test_the_coverage_workbook_says_homes_152_m_off_the_network_count_as_covered_as_they_do(tmp_path, capsys):
    """A home 152 m from the street walks an estimated 152 x 1.25 + 500 m = 690 m and counts as
    covered within 15 minutes (40 of the 140 households); the 说明 sheet of `spatial coverage`
    said homes over 100 m from the network are 'too far' and not covered, and had no row on
    estimated walks nor the floor area standard its station sheet flags by."""
    files = street_town(tmp_path, [("A", 200, 10, 100), ("E", 500, 152, 40)])
    out = tmp_path / "cov.gpkg"
    assert main(["-q", "coverage", str(files["roads"]), str(files["stations"]), str(files["units"]),
                 "--out", str(out), "--no-isochrones"]) == 0
    book = tmp_path / "cov_summary.xlsx"
    overall = sheet_rows(book, "总体")[0]
    assert (overall["估算步行户数"], overall["15分钟内户数"], overall["15分钟内户数占比（%）"]) == (40, 140, 100)
    notes = {r[0]: r[1] for r in load_workbook(book)["说明"].iter_rows(values_only=True) if r[0]}
    assert "距路网超过 300 米的单元记为“距路网过远”，不算覆盖" in notes["吸附规则"]
    assert "100 米" not in notes["吸附规则"]
    assert "距路网 100–300 米的单元" in notes["估算步行"] and "× 1.25" in notes["估算步行"]
    assert "每百户不少于 30 平方米" in notes["服务站面积标准"]


def test_the_project_workbook_states_one_limit_for_homes_not_covered(tmp_path, capsys):
    """`spatial run`'s 说明 said in one row that homes over 100 m from the network are not
    covered and in the next that homes 100-300 m away are covered by an estimated walk."""
    files = street_town(tmp_path, [("A", 200, 10, 100), ("E", 500, 152, 40)])
    out, printed = run_project(tmp_path, files, capsys)
    assert "15分钟内 140 户（100.0%）" in printed
    notes = {r[0]: r[1] for r in load_workbook(out / "summary.xlsx")["说明"].iter_rows(values_only=True) if r[0]}
    assert "距路网超过 300 米" in notes["吸附规则"] and "超过 300 米的记为无法到达" in notes["估算步行"]
