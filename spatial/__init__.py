"""spatial: community management grids (网格) and 15-minute walking service circles (15分钟服务圈)."""

from __future__ import annotations

import logging

from ._errors import (
    ColumnError,
    CRSError,
    DuplicateIdError,
    GeometryError,
    InfeasibleError,
    InputFileError,
    NetworkError,
    SpatialError,
)
from ._validate import Report

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "ColumnError",
    "CRSError",
    "DuplicateIdError",
    "GeometryError",
    "InfeasibleError",
    "InputFileError",
    "NetworkError",
    "Report",
    "SpatialError",
    "__version__",
]
