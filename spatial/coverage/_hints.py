"""The words of the hint that a point layer looks like GCJ-02 (Amap/Tencent) or BD-09 (Baidu)
numbers labelled WGS-84, or WGS-84 numbers read as one of them (``back``: declared so and moved a
second time; :func:`spatial.coverage._shift.shift_hint` finds it).

One sentence in English (the console, the ``report`` layer), read back here by :func:`read_hint`
wherever it is shown again: the report's Chinese (the workbook's 数据问题清单, which had only
"详见英文说明", see the English, where the English is not shown) and the note on the maps, which
officials open on a phone without the report (the report layer of a coverage GeoPackage carries
the sentence to ``spatial map``). The sentence and its reader live together, so neither changes
alone. No walking network is loaded here: the maps import it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["Hint", "hint_sentence", "read_hint", "hint_zh", "report_hints", "hints_of_report", "LAYER_ZH",
           "SYSTEM_ZH"]

#: What the report row of a hint says to do (English; the Chinese is :func:`hint_zh`'s).
ACTION = ("check one point on a map; if the layer is shifted, say its system as the problem says (every walk "
          "from it is off by hundreds of metres otherwise)")

#: The systems, as the English sentence names them.
SYSTEM_NAMES = {"gcj02": "GCJ-02 (Amap/Tencent)", "bd09": "BD-09 (Baidu)"}
#: ... and as a Chinese one does.
SYSTEM_ZH = {"gcj02": "高德/腾讯（GCJ-02）", "bd09": "百度（BD-09）"}
#: How far the points lie off where they are, in Chinese words (field notes: GCJ-02 22-699 m,
#: median 431 m; BD-09 700-1,500 m).
OFF_ZH = {"gcj02": "数百米", "bd09": "约一千米"}
OFF_EN = {"gcj02": "hundreds of metres", "bd09": "about a kilometre"}
#: The layers a hint names (``name`` of :func:`shift_hint`), in Chinese.
LAYER_ZH = {"stations": "服务站", "demand": "居民点", "candidates": "候选站点"}

_SENTENCE = re.compile(
    r"^'(?P<layer>[^']+)': three in four lie within (?P<given>\d+) m of the walking network as given, but "
    r"within (?P<moved>\d+) m once read as [^:]+ coordinates: they (?P<verb>look like|may be) "
    r"(?P<system>gcj02|bd09) numbers labelled WGS-84")
_BACK = re.compile(
    r"^'(?P<layer>[^']+)': three in four lie within (?P<given>\d+) m of the walking network as read, but "
    r"within (?P<moved>\d+) m as WGS-84: they (?P<verb>look like|may be) WGS-84 numbers read as "
    r"(?P<system>gcj02|bd09)")


class Hint(NamedTuple):
    """What a hint sentence says: the layer, the system, whether the points ``look like`` it
    (``sure``) or only may be, and the distances within which three in four of them lie from the
    walking network as given and read in that system (m)."""

    layer: str
    system: str
    sure: bool
    given_m: int
    moved_m: int
    back: bool = False  # WGS-84 numbers read as ``system`` (declared so), not ``system``'s read as WGS-84


def hint_sentence(name: str, given_m: float, moved_m: float, system: str, caveat: str, commands: str, *,
                  back: bool = False) -> str:
    """The hint in English; ``caveat`` is empty when the fit is clear-cut (the points "look like"
    the system's numbers), else why they only "may be" (a few points, a fit not clear-cut). With
    ``back``, the points look like WGS-84 numbers read as ``system`` (its option given for a layer
    that was WGS-84 already): the option to leave out."""
    verb = "they look like" if not caveat else "they may be"
    if back:
        return (f"'{name}': three in four lie within {given_m:.0f} m of the walking network as read, but within "
                f"{moved_m:.0f} m as WGS-84: {verb} WGS-84 numbers read as {system}{caveat}, moved "
                f"{OFF_EN[system]} off their place. Read them as WGS-84: leave out --{name}-coord-sys {system} "
                f"({commands}; wgs84 is the default), coord_sys = \"wgs84\" in the project's input, or do not "
                f"pass the layer through spatial.to_wgs84(layer, \"{system}\")")
    return (f"'{name}': three in four lie within {given_m:.0f} m of the walking network as given, but within "
            f"{moved_m:.0f} m once read as {SYSTEM_NAMES[system]} coordinates: {verb} {system} numbers labelled "
            f"WGS-84{caveat}. Say so and they are moved to WGS-84: --{name}-coord-sys {system} ({commands}), "
            f"coord_sys = \"{system}\" in the project's input, or spatial.to_wgs84(layer, \"{system}\")")


def read_hint(text: object) -> Hint | None:
    """The :class:`Hint` a sentence of :func:`hint_sentence` says, else None (any other text).

    Examples
    --------
    >>> read_hint(hint_sentence("stations", 89, 30, "gcj02", "", "spatial coverage"))
    Hint(layer='stations', system='gcj02', sure=True, given_m=89, moved_m=30, back=False)
    >>> read_hint(hint_sentence("stations", 86, 25, "gcj02", "", "spatial coverage", back=True))
    Hint(layer='stations', system='gcj02', sure=True, given_m=86, moved_m=25, back=True)
    >>> read_hint("too far from network") is None
    True
    """
    if not isinstance(text, str):
        return None
    for pattern, back in ((_SENTENCE, False), (_BACK, True)):
        if (found := pattern.match(text)) is not None:
            return Hint(found["layer"], found["system"], found["verb"] == "look like", int(found["given"]),
                        int(found["moved"]), back)
    return None


def hint_zh(text: str) -> tuple[str, str]:
    """The report row's problem and action in Chinese, named as the English names them: the layer,
    the system, the distances, and how to say what the file is (the project's ``coord_sys``, the
    command's option). A text that is not a hint sentence gets the general words."""
    hint = read_hint(text)
    if hint is None:
        return ("坐标疑似高德/腾讯（GCJ-02）或百度（BD-09）坐标，却按 WGS-84 读取",
                "请在地图上核对一个点；如确为偏移坐标，请指明其坐标系（否则由此算出的步行距离会偏差数百米）")
    system = SYSTEM_ZH[hint.system]
    verb = "疑似" if hint.sure else "可能是"
    if hint.back:
        option = f"--{hint.layer}-coord-sys {hint.system}"
        problem = (f"{LAYER_ZH.get(hint.layer, hint.layer)}坐标{verb} WGS-84 坐标，却按{system}坐标读取并转换："
                   f"四分之三的点距步行路网 {hint.given_m} 米以内，按 WGS-84 读取则在 {hint.moved_m} 米以内")
        action = (f"请在地图上核对一个点；如确为 WGS-84 坐标，去掉 {option}（默认即 WGS-84），项目文件该输入中写 "
                  f"coord_sys = \"wgs84\"；否则由此算出的位置和步行距离会偏差{OFF_ZH[hint.system]}")
        return problem, action
    problem = (f"{LAYER_ZH.get(hint.layer, hint.layer)}坐标{verb}{system}坐标，却按 WGS-84 读取：四分之三的点距步行路网 "
               f"{hint.given_m} 米以内，按 {SYSTEM_NAMES[hint.system].split()[0]} 读取则在 {hint.moved_m} 米以内")
    option = f"--{hint.layer}-coord-sys {hint.system}"
    action = (f"请在地图上核对一个点；如确为{system}坐标，在项目文件该输入中写 coord_sys = \"{hint.system}\""
              f"（命令行 {option}），即转换为 WGS-84；否则由此算出的位置和步行距离会偏差{OFF_ZH[hint.system]}")
    return problem, action


def report_hints(report, hints) -> None:
    """Add one row per hint (``[(layer, sentence), ...]``, as ``attrs["coords_hints"]`` holds them) to
    ``report`` (a :class:`spatial.Report`): the layer, ``-`` for the whole layer, the sentence and
    what to do, in English and Chinese. One wording for the coverage's report and the siting's."""
    for layer, sentence in hints:
        report.add(layer, "-", sentence, ACTION, zh=hint_zh(sentence))


def hints_of_report(report) -> list[tuple[str, str]]:
    """``[(layer, sentence), ...]`` of the hint rows of a report table (its ``problem`` column), as
    ``walking_coverage`` keeps them in ``attrs["coords_hints"]``: the report layer of a coverage
    GeoPackage gives them back to a map drawn from the file."""
    if report is None or "problem" not in getattr(report, "columns", ()):
        return []
    found = ((read_hint(p), p) for p in report["problem"])
    return list(dict.fromkeys((h.layer, p) for h, p in found if h is not None))
