"""Specification: a map or the grid editor opened with scripts off says what it is and how to open it.

An official is sent ``coverage.html`` in WeChat. On an iPhone, WeChat's file preview (and a mail
reader, or a browser locked down on an intranet) runs no JavaScript: the page was blank white.
It now shows the map's title, how to open it in a browser, and the legends and tables the dock
would hold (the coverage of each community, as the workbook has it); the editor says the same of
itself. With scripts on, nothing of it shows.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

import spatial
from conftest import headless_chromium
from spatial.maps.editor import save_grid_editor
from spatial.maps.interactive import coverage_map, grid_map, save_map
from test_maps_browser import browser, open_map  # noqa: F401  (one headless Chromium, scripts on)

HOW = "在微信中：点右上角“···”"


@pytest.fixture(scope="module")
def demo_run():
    demo = spatial.load_demo()
    plan = spatial.partition_grids(demo["units"], demo["communities"])
    demand = spatial.walking_coverage(plan.units, demo["stations"], demo["network"])
    return demo, plan, demand


@pytest.fixture(scope="module")
def pages(demo_run, tmp_path_factory):
    demo, plan, demand = demo_run
    out = tmp_path_factory.mktemp("noscript")
    return {
        "coverage": save_map(coverage_map(demand, demo["stations"], communities=demo["communities"]),
                             out / "coverage.html"),
        "grids": save_map(grid_map(plan.grids, communities=demo["communities"], lang="en"), out / "grids.html"),
        "editor": save_grid_editor(plan.units, out / "grid_editor.html", demo["communities"]),
    }


@pytest.fixture(scope="module")
def no_scripts():
    """Headless Chromium with JavaScript turned off, as a file preview opens a page."""
    driver = headless_chromium("--window-size=390,844", prefs={"profile.managed_default_content_settings.javascript": 2})
    yield driver
    driver.quit()


def shown(driver, path: Path) -> str:
    driver.get(Path(path).resolve().as_uri())
    time.sleep(0.3)
    return driver.find_element("tag name", "body").text


def test_the_coverage_map_without_scripts_gives_its_title_how_to_open_it_and_its_legend(no_scripts, pages):
    text = shown(no_scripts, pages["coverage"])
    assert text.startswith("15分钟服务圈\n") and HOW in text
    assert "5分钟内" in text and "超出服务圈" in text            # the legend
    assert "按步行速度 4.0 公里/小时计" in text                   # the speed, as on every map
    assert "示意数据" in text                                      # the demo's data is synthetic


def test_its_table_gives_each_community_s_households_as_the_map_does(no_scripts, pages, demo_run):
    demo, plan, demand = demo_run
    text = shown(no_scripts, pages["coverage"])
    total = int(demand["households"].sum())
    assert re.search(rf"^全部 {total} ", text, re.M)              # the first row: every household
    for name in demo["communities"]["name"]:
        assert re.search(rf"^{name} C\d\d \d+ ", text, re.M)


def test_the_grids_map_in_english_and_the_editor_say_it_too(no_scripts, pages, demo_run):
    _, plan, _ = demo_run
    text = shown(no_scripts, pages["grids"])
    assert "This map shows in a browser that runs scripts (JavaScript)" in text
    assert f"300–500 households ({len(plan.grids)})" in text      # the legend with its count
    text = shown(no_scripts, pages["editor"])
    assert text.startswith("网格在线调整\n") and HOW in text and "撤销" not in text  # no dead buttons


def test_with_scripts_on_none_of_it_shows(browser, pages):
    for name in ("coverage", "grids"):
        open_map(browser, pages[name], (390, 844))
        body = browser.execute_script("return document.body.innerText")
        assert HOW not in body and "runs scripts" not in body
    browser.get(Path(pages["editor"]).resolve().as_uri())
    assert HOW not in browser.execute_script("return document.body.innerText")


def test_a_map_saved_twice_is_the_same_file(pages, demo_run, tmp_path):
    demo, plan, _ = demo_run
    m = grid_map(plan.grids, communities=demo["communities"], lang="en")
    a, b = save_map(m, tmp_path / "a.html"), save_map(m, tmp_path / "b.html")
    assert a.read_bytes() == b.read_bytes()
    assert a.read_text(encoding="utf-8").count("<noscript>") == 1
