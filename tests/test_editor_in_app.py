"""The grid editor opened inside WeChat (or WeCom, QQ, DingTalk), as officials open it from a chat.

Those in-app browsers save no download: a blob link does nothing there, so an export is silently
lost, and they keep the page's storage apart from the phone's browser. Driven in headless
Chromium with WeChat's user agent: the page says so above its tools, an export shows its text to
copy (the very text the download holds), the plan counts as exported only once copied, and
nothing is downloaded. With a plain browser's user agent nothing of this shows.
"""

from __future__ import annotations

import time

import geopandas as gpd
import pytest
from shapely.geometry import box
from test_editor_browser import _chrome, _open

from spatial.maps._editor_text import TEXT
from spatial.maps.editor import save_grid_editor

pytestmark = pytest.mark.browser

UTM = "EPSG:32650"
X0, Y0 = 206_000, 2_495_000
WECHAT_UA = ("Mozilla/5.0 (Linux; Android 12; V2055A Build/SP1A.210812.003; wv) AppleWebKit/537.36 (KHTML, like "
             "Gecko) Version/4.0 Chrome/111.0.5563.116 Mobile Safari/537.36 XWEB/1110005 MMWEBSDK/20230805 "
             "MMWEBID/1234 MicroMessenger/8.0.42.2460(0x28002A58) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN "
             "ABI/arm64")


@pytest.fixture
def page(tmp_path):
    geoms = [box(X0 + 100 * c, Y0 + 100 * r, X0 + 100 * (c + 1), Y0 + 100 * (r + 1)) for r in range(2) for c in range(4)]
    units = gpd.GeoDataFrame({"unit_id": [f"u{i}" for i in range(8)], "households": [120, 80, 200, 50, 90, 160, 70, 30],
                              "grid_id": list("AABBAABB")}, geometry=geoms, crs=UTM)
    return save_grid_editor(units, tmp_path / "编辑.html")


def _text(driver, css: str) -> str:
    return driver.execute_script("var e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css)


def test_in_wechat_an_export_shows_its_text_to_copy_and_nothing_is_downloaded(page, tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    t = TEXT["zh"]
    driver = _chrome(downloads, 390, 844, user_agent=WECHAT_UA)
    try:
        _open(driver, page)
        assert _text(driver, "#sp-in-app") == t["in_app"]  # said before any edit, above the tools
        driver.execute_script("window.spatialGridEditor.move(['u6'], 'A')")
        want = driver.execute_script("return window.spatialGridEditor.exportCsv()")
        assert "u6,A" in want
        driver.find_element("id", "sp-export-csv").click()
        assert driver.find_element("id", "sp-copy").is_displayed()
        # the very text of the download (a text box reads its line ends as LF, as a paste gives them)
        assert driver.execute_script("return document.querySelector('#sp-copy textarea').value") == \
            want.replace("\r\n", "\n")
        assert _text(driver, "#sp-copy h2") == t["copy_title"].format(name="编辑_plan.csv")
        # the dialog fits the phone's screen
        rect = driver.execute_script("var r = document.querySelector('.sp-copy-box').getBoundingClientRect().toJSON();"
                                     "r.w = window.innerWidth; r.h = window.innerHeight; return r;")
        assert rect["left"] >= 0 and rect["right"] <= rect["w"] and rect["top"] >= 0 and rect["bottom"] <= rect["h"]
        assert _text(driver, "#sp-saved") == t["unsaved"]  # shown, not yet saved anywhere
        # copying fails (no clipboard): the page says how to copy by hand, and the plan stays unsaved
        driver.execute_script("document.execCommand = function () { return false; };"
                              "Object.defineProperty(navigator, 'clipboard', {value: undefined});")
        driver.find_element("id", "sp-copy-go").click()
        assert _text(driver, "#sp-copy-said") == t["copy_failed"]
        assert _text(driver, "#sp-saved") == t["unsaved"]
        # copying works: the plan counts as exported
        driver.execute_script("document.execCommand = function (c) { return c === 'copy'; };")
        driver.find_element("id", "sp-copy-go").click()
        assert _text(driver, "#sp-copy-said") == t["copied"].format(name="编辑_plan.csv")
        assert _text(driver, "#sp-saved") == t["exported"]
        driver.find_element("id", "sp-copy-close").click()
        assert driver.execute_script("return document.getElementById('sp-copy') === null")
        time.sleep(1.0)
        assert list(downloads.iterdir()) == []  # nothing went to a download
    finally:
        driver.quit()


def test_in_a_plain_browser_there_is_no_warning_and_an_export_downloads(page, tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = _chrome(downloads, 1200, 800)
    try:
        _open(driver, page)
        assert _text(driver, "#sp-in-app") is None
        driver.find_element("id", "sp-export-csv").click()
        for _ in range(50):
            got = [p for p in downloads.iterdir() if p.suffix == ".csv"]
            if got:
                break
            time.sleep(0.1)
        assert [p.name for p in got] == ["编辑_plan.csv"]
        assert driver.execute_script("return document.getElementById('sp-copy') === null")
    finally:
        driver.quit()
