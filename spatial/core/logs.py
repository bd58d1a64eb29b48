"""The package's warnings where nobody set up logging: a notebook, a script.

Every module logs to ``logging.getLogger(__name__)``. The command line and a program that sets
up logging (``logging.basicConfig()``, a handler of its own) show those records as they choose.
Where nothing was set up, Python showed none of them (a library's ``NullHandler`` stops its last
resort), so a Jupyter user never saw "'x.shp' has no .cpg and its text reads as Big5" or "3
stations lie off the network". :class:`ShownWarnings` stands in for that handler: a record of
level WARNING or above that no other handler receives is given to :func:`warnings.warn` as a
:class:`SpatialWarning`, which Jupyter shows under the cell, and which ``warnings.filterwarnings``
silences or turns into errors as any warning. Information (``INFO``) stays quiet until logging
is set up, e.g. ``logging.basicConfig(level=logging.INFO)``.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from types import FrameType

__all__ = ["SpatialWarning", "ShownWarnings"]


class SpatialWarning(UserWarning):
    """A warning of spatial's (logged as WARNING) that nothing else showed: no logging set up."""


class ShownWarnings(logging.Handler):
    """Give :func:`warnings.warn` the warnings no other handler receives (see the module's text).

    Examples
    --------
    >>> import logging, warnings
    >>> log = logging.getLogger("example.alone")
    >>> log.propagate = False
    >>> log.addHandler(ShownWarnings())
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     log.warning("'units.csv': %d rows have no households", 2)
    >>> [(w.category.__name__, str(w.message)) for w in caught]
    [('SpatialWarning', "'units.csv': 2 rows have no households")]
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        if self._heard(record):
            return
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a record whose arguments do not fit its text
            message = str(record.msg)
        caller = _caller()
        if caller is None:  # logged in a thread of the package's own: said where it was logged
            warnings.warn_explicit(message, SpatialWarning, record.pathname, record.lineno, module=record.module)
            return
        scope = caller.f_globals
        warnings.warn_explicit(message, SpatialWarning, caller.f_code.co_filename, caller.f_lineno,
                               module=scope.get("__name__", "__main__"),
                               registry=scope.setdefault("__warningregistry__", {}))

    def _heard(self, record: logging.LogRecord) -> bool:
        """Whether another handler (the command line's, the root's, pytest's) receives ``record``."""
        logger: logging.Logger | None = logging.getLogger(record.name)
        while logger is not None:
            if any(h is not self and not isinstance(h, logging.NullHandler) and record.levelno >= h.level
                   for h in logger.handlers):
                return True
            logger = logger.parent if logger.propagate else None
        return False


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _caller() -> FrameType | None:
    """The frame that called into the package (a notebook's cell, a script's line), where a
    warning is shown as :func:`warnings.warn` with a ``stacklevel`` would show it; None when the
    stack holds no frame of the package's (a record logged elsewhere) or nothing called it."""
    frame, outermost = sys._getframe(1), None
    while frame is not None:
        if os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE + os.sep):
            outermost = frame
        frame = frame.f_back
    return outermost.f_back if outermost is not None else None
