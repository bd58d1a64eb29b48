"""Atomic outputs: a file or a run folder appears whole at its path, or not at all.

Every writer goes through :func:`atomic_path`: the data is written to a hidden temporary file in
the target folder (same file system, so :func:`os.replace` is a rename) and moved into place only
when it is whole. An error, a full disk or Ctrl-C leave the earlier file untouched and no partial
file behind. A project run fills a temporary folder (:func:`atomic_folder`) whose files are moved
into the output folder at the end, ``run_log.json`` last: a folder without a current
``run_log.json`` is not a finished run.

Written here because the maintained helpers (``atomicwrites`` is archived; ``tempfile`` alone
does not rename) open a file object, whereas GDAL drivers, openpyxl and matplotlib need a path
with the right suffix, and a GeoPackage is written layer by layer.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from spatial.core.errors import InputFileError

logger = logging.getLogger(__name__)

__all__ = ["atomic_path", "atomic_folder", "check_output_path", "TEMP_MARK"]

#: Part of every temporary name, so that leftovers of a killed process are easy to find.
TEMP_MARK = ".partial"
_SIDECARS = ("-wal", "-shm", "-journal")


def check_output_path(path: str | Path, *, inputs: Iterable[str | Path] = (), what: str = "output") -> Path:
    """Refuse an output path that cannot be written, or that is one of the inputs.

    Parameters
    ----------
    path : str or Path
        The file (or folder) to write.
    inputs : iterable of str or Path
        Input files; writing over one of them would destroy it.
    what : str
        How the message names the path (``"--out"``, ``"output"``...).

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    InputFileError
        ``path`` is an input, a folder (for a file), or lies under a file.
    """
    path = Path(path)
    resolved = path.resolve()
    for source in inputs:
        source_path = Path(str(source).split(".gpkg:", 1)[0] + ".gpkg") if ".gpkg:" in str(source) else Path(source)
        if source_path.exists() and source_path.resolve() == resolved:
            raise InputFileError(f"{what} '{path}' is also an input; write the results to another file")
    for parent in resolved.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputFileError(f"{what} '{path}': '{parent}' is a file, not a folder; choose another path")
            break
    return path


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}{TEMP_MARK}{path.suffix}")


def _remove(path: Path) -> None:
    for p in (path, *(path.with_name(path.name + s) for s in _SIDECARS)):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _fsync(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_error(path: Path, exc: OSError) -> InputFileError:
    reason = exc.strerror or str(exc)
    return InputFileError(f"cannot write '{path}': {reason}; nothing was written there "
                          "(free some space or choose another folder)")


@contextlib.contextmanager
def atomic_path(path: str | Path, *, update: bool = False) -> Iterator[Path]:
    """A temporary path to write ``path`` to; moved onto ``path`` when the block ends without error.

    Parameters
    ----------
    path : str or Path
        The file to write. Its folder is created.
    update : bool
        Start from a copy of the existing file (e.g. to add layers to a GeoPackage).

    Yields
    ------
    Path
        A hidden file in the same folder with the same suffix (drivers choose a format by it).

    Raises
    ------
    InputFileError
        The folder cannot be created or the file cannot be written (disk full, no permission);
        ``path`` is then unchanged.

    Examples
    --------
    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("whole")
    >>> open(target).read(), sorted(os.listdir(os.path.dirname(target)))
    ('whole', ['a.txt'])
    """
    path = check_output_path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _write_error(path, exc) from exc
    if path.is_dir():
        raise InputFileError(f"'{path}' is a folder; give a file name")
    tmp = _temp_name(path)
    try:
        if update and path.exists():
            shutil.copy2(path, tmp)
        yield tmp
        if not tmp.exists():
            raise InputFileError(f"nothing was written for '{path}'")
        _fsync(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise _write_error(path, exc) from exc
    except BaseException:
        _remove(tmp)
        raise
    finally:
        for s in _SIDECARS:
            with contextlib.suppress(FileNotFoundError):
                tmp.with_name(tmp.name + s).unlink()


@contextlib.contextmanager
def atomic_folder(path: str | Path, *, last: str = "run_log.json") -> Iterator[Path]:
    """A fresh temporary folder whose files are moved into ``path`` when the block succeeds.

    Files of ``path`` that the new run does not write are kept, except those listed in the
    ``outputs`` of an earlier ``last`` file (the run log), which belong to the earlier run and are
    removed, so that results of two runs never mix. ``last`` is removed before anything moves and
    moved last: a folder without it holds no finished run. On error or Ctrl-C the temporary
    folder is removed and ``path`` is untouched.

    Parameters
    ----------
    path : str or Path
        The output folder.
    last : str
        The file that marks a finished run.

    Yields
    ------
    Path
        The temporary folder (a hidden sibling of ``path``).
    """
    path = check_output_path(path, what="output folder")
    if path.exists() and not path.is_dir():
        raise InputFileError(f"output folder '{path}' is a file; choose a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:8]}{TEMP_MARK}"
        tmp.mkdir()
    except OSError as exc:
        raise _write_error(path, exc) from exc
    try:
        yield tmp
        _publish(tmp, path, last)
    except OSError as exc:
        raise _write_error(path, exc) from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _publish(tmp: Path, path: Path, last: str) -> None:
    if not path.exists() or (path.is_dir() and not any(path.iterdir())):
        if path.exists():
            path.rmdir()
        os.replace(tmp, path)
        return
    old_log = path / last
    stale: list[Path] = []
    if old_log.exists():
        try:
            stale = [path / p for p in json.loads(old_log.read_text(encoding="utf-8")).get("outputs", [])]
        except (ValueError, OSError, AttributeError):
            stale = []
        old_log.unlink()
    new = sorted(p for p in tmp.rglob("*") if p.is_file() and p.name != last)
    written = {path / p.relative_to(tmp) for p in new}
    for p in stale:
        if p not in written and p.resolve().is_relative_to(path.resolve()):
            with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                p.unlink()
    for p in new:
        target = path / p.relative_to(tmp)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(p, target)
    if (tmp / last).exists():
        os.replace(tmp / last, path / last)
