"""The small family of errors spatial raises; each is also a ValueError."""

from __future__ import annotations

__all__ = [
    "SpatialError",
    "CRSError",
    "ColumnError",
    "GeometryError",
    "DuplicateIdError",
    "InputFileError",
    "NetworkError",
    "InfeasibleError",
    "OptionError",
    "OptionTypeError",
]


class SpatialError(ValueError):
    """Base class for every error spatial raises about its inputs.

    Messages name the layer or file, the column or row, and say what to do. ``zh``, when given,
    is the same message in Chinese, for the report rows that repeat it (the Chinese workbook).

    Examples
    --------
    >>> err = ColumnError("column 'code' is bad", zh="'code' 列有误")
    >>> str(err), err.zh
    ("column 'code' is bad", "'code' 列有误")
    >>> ColumnError("no Chinese").zh is None
    True
    """

    def __init__(self, *args, zh: str | None = None):
        super().__init__(*args)
        self.zh = zh


class CRSError(SpatialError):
    """A layer has no CRS, or layers that must agree do not."""


class ColumnError(SpatialError):
    """A required column is missing, or holds values of the wrong kind."""


class GeometryError(SpatialError):
    """Geometries are empty, of the wrong type, or cannot be repaired."""


class DuplicateIdError(SpatialError):
    """An id column holds the same value more than once."""


class InputFileError(SpatialError):
    """A file cannot be found, read or decoded."""


class NetworkError(SpatialError):
    """A walking network is empty, disconnected from the data, or malformed."""


class InfeasibleError(SpatialError):
    """The request cannot be met by any plan; the message says which input prevents it."""


class OptionError(SpatialError):
    """An option (a function's argument) is out of range, of the wrong kind, or conflicts with
    another; the message names it and says what to give instead."""


class OptionTypeError(OptionError, TypeError):
    """An option of the wrong type (also a TypeError, as Python raises for those)."""
