"""Specification: a run's folder says what it holds, for whoever receives it.

An official is sent the folder of ``spatial run`` (or a zip of it in WeChat): fifteen files and no
word of which to open. ``README.txt`` now gives the run's figures, how to open the maps, and a
line on each file written, in the project's language, as UTF-8 with a byte-order mark and CRLF
line ends (Notepad on Windows 7 reads a file without the mark as GBK, and LF as one line).
"""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

import spatial
from spatial.project._readme import write_readme


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    project = spatial.load_project(spatial.demo_paths()["project"])
    project = dataclasses.replace(project, outputs={**project.outputs, "maps": False, "png": False})
    out = {}
    for name, lang in (("zh", "zh"), ("zh_again", "zh"), ("en", "en")):
        p = dataclasses.replace(project, outputs={**project.outputs, "lang": lang})
        out[name] = spatial.run_project(p, out_dir=tmp_path_factory.mktemp(name))
    return out


def lines(result) -> list[str]:
    raw = (result.out_dir / "README.txt").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == raw.count(b"\n")
    return raw.decode("utf-8-sig").split("\r\n")


def test_the_figures_are_the_run_s_own(runs):
    r = runs["zh"]
    text = lines(r)
    assert text[0] == "福田区示范片区 15分钟服务圈与网格（示例）"
    grids = r.layers["grids"]
    counts = grids["band_status"].value_counts()
    assert text[2] == (f"共 {len(grids)} 个网格：{counts.get('in', 0)} 个在 300–500 户之间，{counts.get('under', 0)} 个不足，"
                       f"{counts.get('over', 0)} 个超出。")
    overall = r.layers["coverage_summary"].set_index("level").loc["overall"]
    n15 = int(round(overall["hh_15min"]))
    assert f"共 {int(overall['households']):,} 户" in text[3] and f"15分钟内 {n15:,} 户（{overall['pct_hh_15min']:.1f}%）" in text[3]
    assert text[4].startswith("建议新增 3 处站点后：15分钟内")
    assert "示意数据" in text[5]  # the demo's homes are made up, as every map and table says


def test_every_file_written_has_its_line_and_no_other(runs):
    r = runs["zh"]
    text = lines(r)
    listed = [m.group(1) for m in (re.match(r"  (\S+)\s{2,}\S", t) for t in text) if m]
    written = sorted(p.relative_to(r.out_dir).as_posix() for p in r.files if p.name != "README.txt")
    assert sorted(listed) == written
    assert "README.txt" in [p.name for p in r.files] and "README.txt" in r.log["outputs"]


def test_two_runs_of_the_same_inputs_write_the_same_note_and_english_in_english(runs):
    assert (runs["zh"].out_dir / "README.txt").read_bytes() == (runs["zh_again"].out_dir / "README.txt").read_bytes()
    text = lines(runs["en"])
    assert text[2].endswith("0 under, 0 over.") and text[3].startswith("Of 59,946 households")
    assert any(t.startswith("  summary.xlsx") and "workbook" in t for t in text)
    assert not any(re.search(r"[\u4e00-\u9fff]", t) for t in text[2:] if "奥维" not in t)


def test_a_folder_with_maps_says_how_to_open_them_and_lists_shapefiles(tmp_path):
    files = [tmp_path / n for n in ("run_log.json", "overview.html", "shapefile/grids.shp", "shapefile/units.shp")]
    text = write_readme(tmp_path, files, title="T", figures=[], lang="zh").read_text(encoding="utf-8-sig").splitlines()
    assert "在浏览器打开" in text[2]
    assert [t.split()[0] for t in text if t.startswith("  ")] == ["overview.html", "run_log.json", "shapefile/"]
    assert "：grids.shp、units.shp；" in text[-1]
    # no map, no word of browsers
    text = write_readme(tmp_path, files[:1], title="T", figures=[], lang="en").read_text(encoding="utf-8-sig")
    assert "browser" not in text


@pytest.mark.parametrize("name", ["README.txt", "moves.csv"])
def test_an_input_under_a_name_the_run_writes_in_its_folder_is_refused(tmp_path, name):
    # the run would replace it: the stations table kept as the folder's README.txt, or a redraw's
    # moves.csv fed back as an input
    project = spatial.load_project(spatial.demo_paths()["project"])
    out = tmp_path / "out"
    out.mkdir()
    (out / name).write_text("station_id,name\n", encoding="utf-8")
    spec = dataclasses.replace(project.inputs["stations"], path=out / name)
    project = dataclasses.replace(project, inputs={**project.inputs, "stations": spec})
    with pytest.raises(spatial.SpatialError, match=rf"input 'stations' \(.*{re.escape(name)}\) is in the output "
                                                   "folder under a name the run writes"):
        spatial.run_project(project, out_dir=out)
    assert (out / name).read_text(encoding="utf-8") == "station_id,name\n"
