"""The date written into outputs that record one, so that two runs of the same inputs give the
same bytes: ``SOURCE_DATE_EPOCH`` when it is set (the reproducible-builds convention), else ZIP's
epoch, 1980-01-01 UTC (as the KMZ has always been dated)."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

logger = logging.getLogger(__name__)

__all__ = ["output_time", "dated_zip"]

#: The date outputs carry when ``SOURCE_DATE_EPOCH`` is not set: ZIP's epoch, as the KMZ has it.
_ZIP_EPOCH_S = 315_532_800  # 1980-01-01T00:00:00Z


def output_time():
    """The time written into outputs that record one (a GeoPackage's ``last_change``, a workbook's
    created and modified dates, the entries of a KMZ or ``.xlsx``): ``SOURCE_DATE_EPOCH`` (seconds
    since 1970, the reproducible-builds convention) when it is set, else 1980-01-01 UTC, so that
    two runs of the same inputs give the same bytes; never before 1980 (a ZIP cannot say so).

    Returns
    -------
    datetime.datetime
        Aware, in UTC.

    Examples
    --------
    >>> import os
    >>> os.environ.pop("SOURCE_DATE_EPOCH", None) and None
    >>> output_time().isoformat()
    '1980-01-01T00:00:00+00:00'
    """
    from datetime import datetime, timezone

    text = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    seconds = _ZIP_EPOCH_S
    if text:
        try:
            seconds = max(int(text), _ZIP_EPOCH_S)
        except ValueError:
            logger.warning("SOURCE_DATE_EPOCH=%r is not a whole number of seconds since 1970; outputs are dated "
                           "1980-01-01 instead", text)
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def dated_zip(path: str | Path, texts: dict[str, tuple[str, str]] | None = None) -> None:
    """Rewrite the ZIP file ``path`` (an ``.xlsx``) in place with every entry dated
    :func:`output_time`, its order and compression kept; ``texts`` maps an entry to a pattern and
    its replacement, applied to the entry's text (the created and modified dates openpyxl writes
    in ``docProps/core.xml``)."""
    import zipfile

    when = output_time().timetuple()[:6]
    path = Path(path)
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info.filename)) for info in src.infolist()]
    with open(path, "wb") as out, zipfile.ZipFile(out, "w") as dst:
        for info, data in entries:
            if texts and info.filename in texts:
                pattern, repl = texts[info.filename]
                data = re.sub(pattern, repl, data.decode("utf-8")).encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=when)
            entry.compress_type, entry.external_attr = info.compress_type, info.external_attr
            dst.writestr(entry, data)
