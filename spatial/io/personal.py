"""Columns of an input layer that look like personal information (names, phone and ID numbers).

Offices feed the tool household layers from their own rolls (户籍, 网格员采集): points or units
that carry the 户主's name, a mobile number, an 18-digit 身份证号, the address. The outputs made
to be shared (the HTML maps, ``results.kmz``, the workbooks, the CSVs) carry only the columns the
tool needs and the figures it makes, so none of these leave with them; the GeoPackage, an
analyst's working file, keeps the input's columns as every result does. :func:`warn_personal`
says so in one line when an input carries such columns, so that the GeoPackage is not passed on
with them unawares (China's Personal Information Protection Law asks that such data not be spread
beyond need).

A column is personal by its name (姓名, 户主, 联系电话, 手机, 身份证号, 住址, phone, id_card ...)
or by its values: most of them mainland mobile numbers (11 digits, 1[3-9]..., +86 allowed) or
citizen ID numbers (18 characters whose check digit is right, GB 11643); a column of integers
named as ids or codes (``osm_id``, ``编号``) is never read so.
"""

from __future__ import annotations

import logging
import re

import pandas as pd

from spatial.io.columns import _key  # names compared as find_column compares them: 联系电话（手机） is 联系电话

logger = logging.getLogger(__name__)

__all__ = ["personal_columns", "warn_personal"]

#: Kind of personal data -> a pattern of column names (matched without spaces, brackets or ``_``, lower case).
_NAMES = {
    "names": re.compile(r"姓名|户主|联系人|产权人|业主名|^(contact|owner|fullname|personname)$"),
    "phone numbers": re.compile(r"电话|手机|联系方式|phone|mobile|^tel$|telephone"),
    "ID numbers": re.compile(r"身份证|证件号|公民身份号码|护照|idcard|idno$|idnumber|passport"),
    "home addresses": re.compile(r"住址|家庭地址|户籍地"),
}
#: Names of integer columns that are ids or codes, whatever their digits look like (OSM's node ids
#: will pass 13,000,000,000).
_NUMBERED = re.compile(r"id|osm|code|编号|代码|编码|序号")
_MOBILE = re.compile(r"(?:\+?86[-\s]?)?1[3-9]\d{9}")
_CITIZEN_ID = re.compile(r"\d{17}[\dXx]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_SAMPLE = 2000  # values looked at per column: enough to tell, quick on a city's homes


def _id_check(text: str) -> bool:
    """The GB 11643 check character of an 18-character citizen ID number is right."""
    total = sum(int(d) * w for d, w in zip(text[:17], _ID_WEIGHTS))
    return "10X98765432"[total % 11] == text[17].upper()


def _by_values(values: pd.Series) -> str | None:
    if pd.api.types.is_bool_dtype(values) or not (pd.api.types.is_object_dtype(values)
                                                   or pd.api.types.is_string_dtype(values)
                                                   or pd.api.types.is_integer_dtype(values)):
        return None
    text = values.dropna().head(_SAMPLE).astype(str).str.strip()
    text = text[text != ""]
    if len(text) == 0:
        return None
    if text.str.fullmatch(_MOBILE).mean() > 0.5:
        return "phone numbers"
    ids = text[text.str.fullmatch(_CITIZEN_ID)]
    if len(ids) > len(text) / 2 and sum(map(_id_check, ids)) > len(text) / 2:
        return "ID numbers"
    return None


def personal_columns(frame: pd.DataFrame) -> dict[str, str]:
    """The columns of ``frame`` that look personal, each with what it seems to hold.

    Parameters
    ----------
    frame : DataFrame
        An input layer or table.

    Returns
    -------
    dict
        ``{column: kind}``, kind one of ``"names"``, ``"phone numbers"``, ``"ID numbers"``,
        ``"home addresses"``, in the frame's column order; empty when none looks personal.

    Examples
    --------
    >>> personal_columns(pd.DataFrame({"unit_id": ["a"], "户主": ["王小明"], "备注": ["13912345678"],
    ...                                "households": [3]}))
    {'户主': 'names', '备注': 'phone numbers'}
    """
    geometry = getattr(frame, "_geometry_column_name", None)
    found: dict[str, str] = {}
    for col in frame.columns:
        if col == geometry:
            continue
        key = _key(col)
        kind = next((k for k, pattern in _NAMES.items() if pattern.search(key)), None)
        values = frame[col]
        if kind is None and isinstance(values, pd.Series) and not (
                pd.api.types.is_integer_dtype(values) and _NUMBERED.search(key)):  # osm_id 13xxxxxxxxx: an id
            kind = _by_values(values)
        if kind is not None:
            found[str(col)] = kind
    return found


def warn_personal(frame: pd.DataFrame, what: str) -> dict[str, str]:
    """Warn in one line when input ``what`` (a layer and its file) carries columns that look personal.

    The line names the columns and what they seem to hold, and says where they go: nowhere that is
    made to be shared, but into the GeoPackages written (results keep the input's columns).

    Parameters
    ----------
    frame : DataFrame
        An input layer or table as read.
    what : str
        The input and its file, as the line names them (``"units 'homes.gpkg'"``).

    Returns
    -------
    dict
        :func:`personal_columns` of ``frame``.
    """
    found = personal_columns(frame)
    if found:
        cols = ", ".join(f"{c} ({k})" for c, k in found.items())
        logger.warning("%s: columns %s look personal; the maps, KMZ, workbooks and CSVs leave them out, but the "
                       "GeoPackages written keep an input's columns: share those only where they are needed, or "
                       "drop the columns from the input", what, cols)
    return found
