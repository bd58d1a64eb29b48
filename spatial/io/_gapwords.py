"""A gap's cause in words, one wording for every output an official reads it in: the maps'
popups, the KMZ's placemarks and the workbook's 盲区 sheet (``gaps.csv`` and the GeoPackage keep
the code, ``service`` ..., and leave the site of a gap without households blank, as
:func:`spatial.coverage_gaps` gives it).

Here in :mod:`spatial.io` so that the workbook (io) and the maps (which import io) say it from one
piece of code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spatial.core.checks import REASONS_ZH

__all__ = ["CAUSE_WORDS", "EMPTY_GAP_WORDS", "EMPTY_UNMAPPED_WORDS", "cause_words"]

#: A gap's ``cause`` in words. A gap of cause ``service`` is homes the network reaches with no
#: station within the band: 距站点过远, not 服务不足 (read as a station's service falling short:
#: its floor area or its load).
#: A gap of homes inside walls given with no gate (``no gate given``) is said as each of its homes'
#: reason is in the report (:data:`spatial.core.checks.REASONS_ZH`: one wording): the gates are
#: missing, not the streets (it read 缺少路网数据：先补图 until 7 December 2026).
CAUSE_WORDS = {
    "zh": {"service": "距站点过远：需新站", "no mapped path": "缺少路网数据：先补图",
           "no gate given": REASONS_ZH["in walls with no gate given"], "barrier": "被阻隔"},
    "en": {"service": "too far from any station: a station is needed",
           "no mapped path": "no mapped path: map the paths first",
           "no gate given": "in walls with no gate given: give the gates", "barrier": "cut off by a barrier"},
}
#: The cause of a service gap without households (no rank: homes of 0 households beyond the walk):
#: no station is needed there.
EMPTY_GAP_WORDS = {"zh": "距站点过远：无住户，不需新站", "en": "too far from any station: no households, no station needed"}
#: ... and of a gap of no mapped path without households (a park the paths do not reach): nobody's
#: walk waits on the paths there, so no call to map them first (Futian's N005 said 先补图 of 0 户).
EMPTY_UNMAPPED_WORDS = {"zh": "缺少路网数据：无住户，不需补图",
                        "en": "no mapped path: no households, no paths needed first"}


def cause_words(gaps: pd.DataFrame, lang: str) -> list:
    """Each gap's ``cause`` in words in ``lang`` (``"zh"`` or ``"en"``), as the maps, the KMZ and the
    盲区 sheet say it; a service gap left without a rank (no households: :func:`spatial.coverage_gaps`
    ranks only gaps with some) needs no station, and a gap of no mapped path with no households no
    paths mapped first. A cause this does not know is given as it is; a blank one as None.

    Examples
    --------
    >>> gaps = pd.DataFrame({"cause": ["service", "service", "no mapped path", "no mapped path", "no gate given"],
    ...                      "rank": pd.array([1, None, None, None, None]), "households": [40, 0, 21, 0, 210]})
    >>> cause_words(gaps, "zh")
    ['距站点过远：需新站', '距站点过远：无住户，不需新站', '缺少路网数据：先补图', '缺少路网数据：无住户，不需补图', '位于围墙内，未给出大门（请补充大门）']
    """
    lang = "zh" if lang == "zh" else "en"
    n = len(gaps)
    unranked = gaps["rank"].isna().to_numpy() if "rank" in gaps.columns else np.zeros(n, dtype=bool)
    nobody = (pd.to_numeric(gaps["households"], errors="coerce").fillna(-1).to_numpy() == 0
              if "households" in gaps.columns else np.zeros(n, dtype=bool))
    out = []
    for v, no_rank, empty in zip(gaps["cause"], unranked, nobody):
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            out.append(None)
        elif v == "service" and no_rank:
            out.append(EMPTY_GAP_WORDS[lang])
        elif v == "no mapped path" and empty:
            out.append(EMPTY_UNMAPPED_WORDS[lang])
        else:
            out.append(CAUSE_WORDS[lang].get(str(v), str(v)))
    return out
