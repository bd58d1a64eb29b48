"""Personal data in what officials share, read as a 街道 office's data protection officer reads it.

Offices feed the tool layers from their own rolls (户籍, 网格员采集): homes with the 户主's name,
a mobile number and an 18-digit 身份证号; stations with the 站长's mobile and ID number;
communities with the 书记's phone. The maps go round WeChat groups, the KMZ onto grid workers'
phones, the workbook and the CSVs to the district by mail: every one of them is opened here as a
file (unzipped, read as text) and searched for those values. The GeoPackage, an analyst's working
file, keeps the input's columns as every result does (read back with sqlite3).
"""

import sqlite3
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import load_workbook
from shapely.geometry import LineString, Point, box

from spatial.cli import main
from spatial.io.personal import personal_columns

CRS = "EPSG:32650"
X0, Y0 = 500000.0, 2500000.0
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def citizen_id(first17: str) -> str:
    """An 18-character ID number with its GB 11643 check character, computed here."""
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


HEAD_IDS = [citizen_id(f"44030419800101{i:03d}") for i in range(6)]
HEAD_PHONES = [f"1390000{i:04d}" for i in range(6)]
MASTER_PHONE, MASTER_ID = "13512345678", citizen_id("44030419750203123")
SECRETARY_PHONE, OWNER_PHONE = "13800001111", "13711112222"
PERSONAL = [*HEAD_IDS, *HEAD_PHONES, "王小明", MASTER_PHONE, MASTER_ID, "张站长", SECRETARY_PHONE, "香梅路12号",
            "赵业主", OWNER_PHONE]


@pytest.fixture()
def rolls(tmp_path):
    """A street of 3 km, one community, six homes of 100 households from the roll, one station."""
    gpd.GeoDataFrame({"highway": ["residential", "residential"]},
                     geometry=[LineString([(X0, Y0), (X0 + 3000, Y0)]),
                               LineString([(X0 + 1500, Y0 - 500), (X0 + 1500, Y0 + 500)])],
                     crs=CRS).to_file(tmp_path / "roads.gpkg")
    gpd.GeoDataFrame({"community_id": ["C1"], "name": ["甲社区"], "书记电话": [SECRETARY_PHONE]},
                     geometry=[box(X0 - 100, Y0 - 400, X0 + 3100, Y0 + 400)], crs=CRS).to_file(
        tmp_path / "communities.gpkg")
    gpd.GeoDataFrame({"unit_id": [f"u{i}" for i in range(6)], "households": [100] * 6,
                      "户主": [f"王小明{i}" for i in range(6)], "联系电话": HEAD_PHONES, "身份证号": HEAD_IDS,
                      "住址": [f"香梅路12号{i}栋" for i in range(6)]},
                     geometry=[Point(X0 + 200 + 500 * i, Y0 + 20) for i in range(6)], crs=CRS).to_file(
        tmp_path / "units.gpkg")
    gpd.GeoDataFrame({"站点编号": ["S1"], "名称": ["甲社区党群服务站"], "类型": ["站"], "建筑面积": [300.0],
                      "站长": ["张站长"], "站长手机": [MASTER_PHONE], "站长证件": [MASTER_ID]},
                     geometry=[Point(X0 + 10, Y0 + 5)], crs=CRS).to_file(tmp_path / "stations.gpkg")
    # rooms offered for a new station, with their owner (产权人) as the housing office lists them
    gpd.GeoDataFrame({"candidate_id": ["R1", "R2"], "名称": ["乙大厦三楼", "丙楼一层"], "建筑面积": [500.0, 400.0],
                      "产权人": ["赵业主", "赵业主"], "产权人电话": [OWNER_PHONE] * 2},
                     geometry=[Point(X0 + 2200, Y0 + 10), Point(X0 + 600, Y0 + 10)], crs=CRS).to_file(
        tmp_path / "candidates.gpkg")
    return tmp_path


def shared_texts(folder):
    """Every file but the GeoPackage, as text: the workbooks and the KMZ unzipped, member by member."""
    texts = {}
    for path in sorted(folder.iterdir()):
        if path.suffix in (".gpkg", ".png") or path.name.startswith("."):
            continue
        if path.suffix in (".xlsx", ".kmz"):
            with zipfile.ZipFile(path) as z:
                texts.update({f"{path.name}/{n}": z.read(n).decode("utf-8", "replace") for n in z.namelist()})
        else:
            texts[path.name] = path.read_bytes().decode("utf-8", "replace")
    return texts


def gpkg_columns(path, table):
    with sqlite3.connect(path) as con:
        return [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]


def test_spatial_run_shares_no_name_phone_or_id_number_of_its_inputs(rolls, capsys):
    # station_load.csv, mailed to the district, carried every column of the stations layer: the
    # 站长's mobile 13512345678 and ID number beside each station's load. Now it carries the
    # station's id, name, type and floor area and the load, as the 服务站负荷 sheet does. And the
    # workbook's 新站选址 sheet carried the candidate room's owner (产权人) and his phone.
    (rolls / "p.toml").write_text(
        '[project]\nname = "t"\noutput = "out"\n[inputs]\nnetwork = "roads.gpkg"\ncommunities = "communities.gpkg"\n'
        'units = "units.gpkg"\nstations = "stations.gpkg"\ncandidates = "candidates.gpkg"\n'
        '[grids]\nmin_households = 200\nmax_households = 400\n[coverage]\nmeters = [300, 1000]\n[siting]\nk = 1\n'
        '[outputs]\nmaps = true\nworkbook = true\nkml = true\npng = false\n',
        encoding="utf-8")
    assert main(["run", str(rolls / "p.toml")]) == 0
    out = rolls / "out"
    texts = shared_texts(out)
    assert {"station_load.csv", "coverage.html", "overview.html", "grids.html", "grid_editor.html"} <= set(texts)
    assert any(n.startswith("results.kmz/") for n in texts) and any(n.startswith("summary.xlsx/") for n in texts)
    leaks = {(name, value) for name, text in texts.items() for value in PERSONAL if value in text}
    assert leaks == set()
    head = texts["station_load.csv"].lstrip("\ufeff").splitlines()[0].split(",")
    assert head[:4] == ["station_id", "name", "类型", "建筑面积"] and "households_served" in head
    assert not {"站长", "站长手机", "站长证件"} & set(head)
    # the 新站选址 sheet carried the candidates' every column: the owner's name and phone beside the
    # site to build; now what the room is (its name and floor area), nothing of who owns it
    sheet = list(load_workbook(out / "summary.xlsx")["新站选址"].values)
    assert sheet[0][:3] == ("站点编号", "建设顺序", "候选点编号") and sheet[1][2] == "R1"
    # (the rooms' 建筑面积 is read as their floor area since a project finds it: its sheet's name)
    assert {"名称", "建筑面积（平方米）"} <= set(sheet[0]) and not {"产权人", "产权人电话"} & set(sheet[0])
    # the analyst's GeoPackage keeps the input's columns, as every result does
    assert {"产权人", "产权人电话"} <= set(gpkg_columns(out / "results.gpkg", "sites"))
    assert {"户主", "联系电话", "身份证号"} <= set(gpkg_columns(out / "results.gpkg", "units"))
    assert {"站长手机", "站长证件"} <= set(gpkg_columns(out / "results.gpkg", "stations"))


def test_spatial_coverage_station_load_csv_and_sheet_carry_the_stations_own_columns_not_the_站长s(rolls, capsys):
    # OUT_station_load.csv carried the 站长's mobile and ID number; the workbook's 服务站负荷 sheet
    # kept its columns by their English names only, so a stations layer of 站点编号, 类型, 建筑面积
    # gave a sheet with no station id, type or floor area (名称 and the figures only). Both now give
    # the station's own columns under the layer's names, and nothing else of the layer.
    out = rolls / "c.gpkg"
    assert main(["-q", "coverage", *(str(rolls / f) for f in ("roads.gpkg", "stations.gpkg", "units.gpkg")),
                 "--out", str(out), "--meters", "300,1000", "--no-isochrones", "--kml", str(rolls / "c.kmz")]) == 0
    load = pd.read_csv(rolls / "c_station_load.csv", encoding="utf-8-sig", dtype=str)
    assert list(load.columns[:4]) == ["站点编号", "name", "类型", "建筑面积"]
    assert load.loc[0, "站点编号"] == "S1" and load.loc[0, "households_served"] == "600"
    sheet = list(load_workbook(rolls / "c_summary.xlsx")["服务站负荷"].values)
    assert sheet[0][:4] == ("站点编号", "名称", "类型", "建筑面积") and sheet[1][:4] == ("S1", "甲社区党群服务站", "站", 300)
    texts = {n: t for n, t in shared_texts(rolls).items() if n.startswith(("c_", "c.kmz"))}
    assert len(texts) > 3 and {(n, v) for n, t in texts.items() for v in PERSONAL if v in t} == set()
    assert {"站长手机", "站长证件"} <= set(gpkg_columns(out, "stations"))


def test_an_input_with_columns_that_look_personal_is_said_in_one_warning_per_layer(rolls, capsys):
    # Nothing said that the GeoPackage written keeps the roll's names, phones and ID numbers.
    assert main(["coverage", *(str(rolls / f) for f in ("roads.gpkg", "stations.gpkg", "units.gpkg")),
                 "--out", str(rolls / "c.gpkg"), "--meters", "300,1000", "--no-isochrones"]) == 0
    said = [line for line in capsys.readouterr().err.splitlines() if "look personal" in line]
    assert len(said) == 2
    stations, demand = sorted(said, key=lambda line: "demand" in line)
    assert "stations.gpkg" in stations and "站长手机 (phone numbers), 站长证件 (ID numbers)" in stations
    assert "units.gpkg" in demand and "户主 (names), 联系电话 (phone numbers), 身份证号 (ID numbers)" in demand
    assert "住址 (home addresses)" in demand and "GeoPackage" in demand
    # -q: errors only
    assert main(["-q", "coverage", *(str(rolls / f) for f in ("roads.gpkg", "stations.gpkg", "units.gpkg")),
                 "--out", str(rolls / "d.gpkg"), "--meters", "300,1000", "--no-isochrones"]) == 0
    assert capsys.readouterr().err == ""


def test_columns_are_personal_by_their_values_only_when_most_are_mobiles_or_checked_id_numbers():
    ok_id = citizen_id("11010119900307451")
    bad_id = ok_id[:17] + ("0" if ok_id[17] != "0" else "1")  # 18 digits, wrong check character
    frame = pd.DataFrame({
        "备注": ["13912345678", "+86 13912345678", None, "独居"],      # 2 of 3 filled: mobiles
        "编号": [ok_id, ok_id, ok_id, "x"],                             # 3 of 4: ID numbers
        "code": [bad_id] * 4,                                            # fails the check: a code
        "grid_code": ["44030400700100000001"] * 4,                       # 20 digits (CJ/T 349)
        "community_code": [440304007001] * 4,                            # 12 digits as a number
        "mobile_as_number": [13912345678] * 4,                           # Excel kept it as a number
        "osm_id": [13912345678] * 4,                                     # OSM node ids pass 13e9 soon
        "name": ["甲站"] * 4, "households": [13, 15, 17, 19], "flag": [True] * 4,
    })
    assert personal_columns(frame) == {"备注": "phone numbers", "编号": "ID numbers",
                                       "mobile_as_number": "phone numbers"}


def test_the_demo_data_looks_personal_nowhere_so_the_demo_says_no_such_warning():
    from spatial import load_demo

    demo = load_demo()
    assert {k: personal_columns(demo[k]) for k in ("units", "communities", "stations")} == \
        {"units": {}, "communities": {}, "stations": {}}


def test_candidates_written_under_siting_are_refused_naming_inputs_not_ignored(rolls):
    # Found while giving the rolls' candidate rooms: `[siting] candidates = "candidates.gpkg"` (where
    # `spatial site --candidates` puts them) was a known key read nowhere, so the run sited new
    # stations on network nodes and said nothing of the rooms.
    from spatial.core.errors import SpatialError
    from spatial.project.config import load_project

    (rolls / "p.toml").write_text(
        '[project]\nname = "t"\noutput = "out"\n[inputs]\nnetwork = "roads.gpkg"\ncommunities = "communities.gpkg"\n'
        'units = "units.gpkg"\n'
        'stations = "stations.gpkg"\n[coverage]\nmeters = [300, 1000]\n[siting]\nk = 1\n'
        'candidates = "candidates.gpkg"\n', encoding="utf-8")
    with pytest.raises(SpatialError, match=r"\[siting\] candidates is not read there; move it to \[inputs\]"):
        load_project(rolls / "p.toml")
