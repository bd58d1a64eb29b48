"""Atomic outputs: a file or a run folder appears whole at its path, or not at all.

Every writer goes through :func:`atomic_path`: the data is written to a hidden temporary file in
the target folder (same file system, so :func:`os.replace` is a rename) and moved into place only
when it is whole. An error, a full disk or Ctrl-C leave the earlier file untouched and no partial
file behind. A project run fills a temporary folder (:func:`atomic_folder`) whose files are moved
into the output folder at the end, ``run_log.json`` last: a folder without a current
``run_log.json`` is not a finished run. A writer holds a lock beside its temporary file or
folder while it lives; what one killed without a chance to clean up (SIGKILL, the OOM killer)
left is removed by the next write to the same path.

Written here because the maintained helpers (``atomicwrites`` is archived; ``tempfile`` alone
does not rename) open a file object, whereas GDAL drivers, openpyxl and matplotlib need a path
with the right suffix, and a GeoPackage is written layer by layer.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import json
import logging
import os
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from spatial.core._held import RECORDS, recording, stops_held
from spatial.core.errors import InputFileError

logger = logging.getLogger(__name__)

__all__ = ["atomic_path", "atomic_paths", "atomic_folder", "check_output_path", "recording", "TEMP_MARK"]

#: Part of every temporary name, so that leftovers of a killed process are easy to find.
TEMP_MARK = ".partial"
_SIDECARS = ("-wal", "-shm", "-journal")
#: Whether a file open in another program cannot be replaced (Windows: Excel, WPS, QGIS lock it)
_LOCKING = os.name == "nt"
#: The files of a shapefile beside its ``.shp`` (a run log lists the ``.shp`` alone): an earlier
#: run's shapefile is removed with all of them, not its ``.shp`` only
_SHAPEFILE_PARTS = (".shx", ".dbf", ".prj", ".cpg", ".fields.csv", ".qml", ".qix", ".sbn", ".sbx")


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
        ``path`` is an input, a folder (for a file), lies under a file, or its folder (the
        nearest one that exists, when it is to be created) cannot be written by this user.
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
    if path.is_file() and not path.stat().st_mode & 0o222:  # a file made read-only to keep it as it is
        raise InputFileError(f"{what} '{path}' is read-only; make it writable to replace it (it was kept as it "
                             "is), or choose another name")
    _require_writable(path, what)
    return path


def _require_writable(path: Path, what: str) -> None:
    """Refuse ``path`` when this user may not create files in its folder (or, for a folder that
    is to be created, in the nearest folder that exists), or, when ``path`` is a folder already,
    in it: said before any work starts, not after it."""
    folders = [path] if path.is_dir() else []
    parent = path.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    folders.append(parent)
    for folder in folders:
        if not os.access(folder, os.W_OK | os.X_OK):
            shown = _shown_folder(folder, path)
            why = "the drive is read-only" if _read_only_drive(folder) else "permission denied"
            where = "another output folder" if what == "output folder" else f"another folder for {what}"
            raise InputFileError(f"cannot write in '{shown}': {why}; choose {where} (one you may write in)")


def _read_only_drive(folder: Path) -> bool:
    """Whether ``folder`` is on a drive mounted read-only (a write-protected USB stick, a CD)."""
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (AttributeError, OSError):  # pragma: no cover - Windows has no statvfs
        return False


def _shown_folder(folder: Path, path: Path) -> str:
    """``folder`` as the user wrote it (relative when ``path`` was), ending in a separator."""
    if not path.is_absolute():
        with contextlib.suppress(ValueError):
            folder = folder.relative_to(Path.cwd())
    text = str(folder)
    return text if text.endswith(os.sep) else text + os.sep


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}{TEMP_MARK}{path.suffix}")


def _remove(path: Path) -> None:
    for p in (path, *(path.with_name(path.name + s) for s in _SIDECARS)):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _replace(src: Path, target: Path) -> None:
    """Move ``src`` onto ``target``, first removing ``target``'s SQLite sidecars: the ``-wal``
    and ``-shm`` of a GeoPackage open in QGIS (WAL mode), or a ``-journal``, belong to the old
    file, and SQLite would read their pages over the new file's. (A program holding the old
    file keeps its own copies of them; its unsaved edits were to the file being replaced.)"""
    for s in _SIDECARS:
        with contextlib.suppress(FileNotFoundError):
            target.with_name(target.name + s).unlink()
    os.replace(src, target)


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


#: ``.NAME.1a2b3c4d.partial.EXT``: a temporary name of :func:`_temp_name`, and the NAME it stands for.
_TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.[0-9a-f]{8}" + re.escape(TEMP_MARK) + r"(\.[^.]*)?$")


def user_path(path: str | Path) -> Path:
    """The output path a temporary file of :func:`atomic_path` stands for (nested ones too, and
    a file in the temporary folder of :func:`atomic_folder`); any other path unchanged: messages
    name the file the user asked for, not the hidden one.

    Examples
    --------
    >>> str(user_path("out/.cov_summary.csv.4009ccda.partial.csv"))
    'out/cov_summary.csv'
    >>> str(user_path("runs/.2026Q4.0584d74c.partial/.results.kmz.c6fef855.partial.kml"))
    'runs/2026Q4/results.kmz'
    >>> str(user_path("out/cov.gpkg"))
    'out/cov.gpkg'
    """
    path = Path(path)
    parts = []
    for part in path.parts:
        m = _TEMP_NAME.match(part)
        while m:
            part = m.group("name")
            m = _TEMP_NAME.match(part)
        parts.append(part)
    return Path(*parts) if parts else path


def _write_error(path: Path, exc: OSError) -> InputFileError:
    """The one-line error of a failed write of ``path``: a permission problem says so, a full
    disk says to free space; the path is the user's output, never a temporary file."""
    shown = user_path(path)
    if _LOCKING and exc.errno in (errno.EACCES, errno.EPERM) and shown.is_file():  # open in Excel: locked
        return InputFileError(f"cannot write '{shown}': permission denied; nothing was written there (is it open in "
                              "another program, such as Excel, WPS or QGIS? close it there, or choose another name)")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "permission denied" if exc.errno != errno.EROFS else "read-only file system"
        return InputFileError(f"cannot write '{shown}': {why}; nothing was written there "
                              "(choose another folder, one you may write in)")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return InputFileError(f"cannot write '{shown}': {exc.strerror or 'no space left'}; nothing was written "
                              "there (free some space or choose another folder)")
    reason = exc.strerror or str(exc)
    return InputFileError(f"cannot write '{shown}': {reason}; nothing was written there "
                          "(choose another folder, or free some space)")


#: Less free space than this where a write failed: the drive is full (SQLite rolls back what it
#: wrote, so the space a failed GeoPackage had taken is free again when this is looked at).
_LOW_SPACE = 4 << 20
#: The last part of GDAL's message for a failed SQLite statement, without the statement itself
#: (GDAL quotes the whole SQL: a GeoPackage's first write quotes several kilobytes of it).
_SQL = re.compile(r"sqlite3_exec\(.*\) failed: ", re.DOTALL)


def driver_error(path: str | Path, exc: Exception, *, layer: str | None = None,
                 tmp: str | Path | None = None) -> InputFileError:
    """The one-line error of a write that GDAL or SQLite refused: they give no ``errno``, so a full
    disk or a file size limit (``ulimit -f``, a FAT32 stick's 4 GB) is recognised by their words
    (``database or disk is full``, ``disk I/O error``), by the free space left beside ``tmp``, or
    by ``tmp``'s size against the limit, and said as :func:`atomic_path` says it; anything else in
    GDAL's words, without the SQL it quotes.

    Parameters
    ----------
    path : str or Path
        The output (a temporary path of :func:`atomic_path` is named as the output it stands for).
    exc : Exception
        What GDAL (``pyogrio.errors.DataSourceError``...), SQLite (``sqlite3.Error``) or a read
        back of the file written (``xml.etree.ElementTree.ParseError``) raised.
    layer : str, optional
        The layer being written, named when the cause is not the disk.
    tmp : str or Path, optional
        The file being written (default: ``path``).

    Returns
    -------
    InputFileError
        To raise ``from exc``.

    Examples
    --------
    >>> err = driver_error("out/.g.gpkg.1a2b3c4d.partial.gpkg",
    ...                    RuntimeError("sqlite3_exec(CREATE TABLE t (a TEXT)) failed: database or disk is full"))
    >>> str(err).split(";")[0]
    "cannot write 'out/g.gpkg': No space left on device"
    """
    text = " ".join(str(exc).split())
    code = _disk_errno(text, Path(tmp if tmp is not None else path))
    if code is not None:
        return _write_error(Path(path), OSError(code, os.strerror(code)))
    where = f"layer '{layer}' to " if layer else ""
    return InputFileError(f"cannot write {where}'{user_path(path)}': {_SQL.sub('', text) or type(exc).__name__}")


def _disk_errno(text: str, tmp: Path) -> int | None:
    """``ENOSPC``, ``EFBIG`` or ``EIO`` when a driver's failure to write ``tmp`` came from the
    disk (its message, the free space left, the file size limit), else None."""
    low = text.lower()
    if "disk is full" in low or "no space left" in low:
        return errno.ENOSPC
    if "file too large" in low:
        return errno.EFBIG
    try:
        if shutil.disk_usage(tmp.parent).free < _LOW_SPACE:
            return errno.ENOSPC
    except OSError:
        pass
    with contextlib.suppress(ImportError, OSError, ValueError):
        import resource

        limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
        if limit != resource.RLIM_INFINITY:
            sizes = [p.stat().st_size for p in (tmp, *(tmp.with_name(tmp.name + s) for s in _SIDECARS))
                     if p.exists()]
            if limit < _LOW_SPACE or max(sizes, default=0) >= limit - _LOW_SPACE:
                return errno.EFBIG
    if "disk i/o error" in low:
        return errno.EIO
    return None


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
    >>> from pathlib import Path
    >>> Path(target).read_text(), sorted(os.listdir(os.path.dirname(target)))
    ('whole', ['a.txt'])
    """
    with _staged(path, update=update) as (target, tmp):
        yield tmp
        _commit([(target, tmp)])


@contextlib.contextmanager
def _staged(path: str | Path, *, update: bool = False) -> Iterator[tuple[Path, Path]]:
    """``path`` checked, and a locked temporary file beside it to write; the temporary file is
    removed when the block ends, unless :func:`_commit` moved it into place in the block."""
    path = check_output_path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _write_error(path, exc) from exc
    if path.is_dir():
        raise InputFileError(f"'{path}' is a folder; give a file name")
    _sweep(path)
    tmp = _temp_name(path)
    try:
        lock = _hold(_lock_of(tmp))  # held before the file exists: a sweep never takes a live one
    except OSError as exc:
        raise _write_error(path, exc) from exc
    try:
        if update and path.exists():
            shutil.copy2(path, tmp)
        yield path, tmp
    except OSError as exc:
        raise _write_error(path, exc) from exc
    finally:
        for left in (tmp, *(part for _, part in _parts(path, tmp))):
            _remove(left)  # with its sidecars; gone already when moved into place
        _release(lock)


def _replaceable(target: Path) -> None:
    """Refuse ``target`` when it cannot be replaced: made read-only (by its mode bits: Linux would
    replace it all the same), or, on Windows, open in a program that keeps others from writing it
    (Excel, WPS, QGIS), found by opening it for writing, which changes nothing in it."""
    if not target.is_file():
        return
    if not target.stat().st_mode & 0o222:
        raise InputFileError(f"cannot write '{target}': it is read-only (make it writable to replace it, or "
                             "choose another name); nothing was written there")
    if _LOCKING:
        try:
            with open(target, "r+b"):
                pass
        except PermissionError as exc:
            raise _write_error(target, exc) from exc


def _parts(path: Path, tmp: Path) -> list[tuple[Path, Path]]:
    """The files a driver wrote beside ``tmp`` for a shapefile ``path`` (its .dbf, .shx, .prj ...:
    ``.grids.shp.1a2b3c4d.partial.dbf``), each with the file beside ``path`` it becomes
    (``grids.dbf``); none for any other format."""
    if path.suffix.lower() != ".shp" or not tmp.parent.is_dir():
        return []
    stem = tmp.name[: -len(tmp.suffix)]
    return [(path.with_name(path.name[: -len(path.suffix)] + f.name[len(stem):]), f)
            for f in sorted(tmp.parent.iterdir())
            if f.name.startswith(stem + ".") and f != tmp and f != _lock_of(tmp)]


def _commit(staged: list[tuple[Path, Path]]) -> None:
    """Move each written temporary file onto its output: every one synced to disk first (on a slow
    drive that takes seconds, and a Ctrl-C then must find no output moved yet), then all moved with
    Ctrl-C, SIGTERM and SIGHUP held, so that a stop lands before the first or after the last."""
    for path, tmp in staged:
        if not tmp.exists():
            raise InputFileError(f"nothing was written for '{path}'")
    # a shapefile's parts move before its .shp, and an earlier one's parts this one has not (a
    # .qix index QGIS made of the old geometries, its .qml) go: they would be read with the new
    moves = [m for path, tmp in staged for m in (*_parts(path, tmp), (path, tmp))]
    stale = [old for path, _ in staged if path.suffix.lower() == ".shp"
             for old in (path.with_name(path.name[: -len(path.suffix)] + part) for part in _SHAPEFILE_PARTS)
             if old not in {target for target, _ in moves}]
    for path, _ in moves:  # a file open in Excel stops all of them, not those after it
        _replaceable(path)
    for _, tmp in moves:
        _fsync(tmp)
    with stops_held():
        for old in stale:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()
        for path, tmp in moves:
            try:
                _replace(tmp, path)
            except OSError as exc:
                raise _write_error(path, exc) from exc
        for path, _ in staged:
            _record(path)


def _record(path: Path) -> None:
    """Note ``path`` as moved into place, unless it lies in a run's temporary folder (it is moved
    again, with the whole run)."""
    if user_path(path) == path:
        for written in RECORDS:
            written.append(path)


@contextlib.contextmanager
def atomic_paths(paths: Iterable[str | Path]) -> Iterator[list[Path]]:
    """Temporary paths for several outputs, all moved into place only when the block ends without
    error: a failure while writing any of them leaves every one of the paths as it was.

    Parameters
    ----------
    paths : iterable of str or Path
        The files to write (see :func:`atomic_path`); the first is moved last.

    Yields
    ------
    list of Path
        One temporary path per output, in order.

    Examples
    --------
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> try:
    ...     with atomic_paths([os.path.join(folder, "a.csv"), os.path.join(folder, "b.csv")]) as (a, b):
    ...         _ = a.write_text("a")
    ...         raise RuntimeError("b failed")
    ... except RuntimeError:
    ...     pass
    >>> os.listdir(folder)
    []
    """
    with contextlib.ExitStack() as stack:
        staged = [stack.enter_context(_staged(p)) for p in paths]
        yield [tmp for _, tmp in staged]
        _commit(staged[::-1])


@contextlib.contextmanager
def atomic_folder(path: str | Path, *, last: str = "run_log.json") -> Iterator[Path]:
    """A fresh temporary folder whose files are moved into ``path`` when the block succeeds.

    Files of ``path`` that the new run does not write are kept, except those listed in the
    ``outputs`` of an earlier ``last`` file (the run log), which belong to the earlier run and are
    removed, so that results of two runs never mix. ``last`` is removed before anything moves and
    moved last: a folder without it holds no finished run. On error or Ctrl-C the temporary
    folder is removed and ``path`` is untouched. A run holds a lock beside its temporary folder
    while it lives: the folder of a run killed before it could clean up (SIGKILL, the OOM killer)
    is removed by the next run into ``path``; that of a run still going is left alone.

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
    lock = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _sweep(path)
        tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:8]}{TEMP_MARK}"
        lock = _hold(_lock_of(tmp))  # held before the folder exists: a sweep never takes a live one
        tmp.mkdir()
    except OSError as exc:
        _release(lock)
        raise _write_error(path, exc) from exc
    try:
        yield tmp
        with stops_held():  # a stop lands before the first file moves or after the run_log
            _publish(tmp, path, last)
        _record(path)
    except OSError as exc:
        raise _write_error(path, exc) from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        _release(lock)


def _lock_of(tmp: Path) -> Path:
    """The lock file of a temporary file or a run's temporary folder: held while the writer lives
    (beside the folder, so that it is not published with the run's files)."""
    return tmp.with_name(tmp.name + ".lock")


def _hold(lock: Path):
    """An open, exclusively locked ``lock`` file (None where ``fcntl`` is missing: Windows); the
    lock ends with the process, however it ends (SIGKILL, the OOM killer, a power cut)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return None
    fh = open(lock, "a+b")  # noqa: SIM115 - held open for the run
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise
    return (fh, lock)


def _release(held) -> None:
    if held is None:
        return
    fh, lock = held
    with contextlib.suppress(OSError):
        lock.unlink()
    fh.close()


def _sweep(path: Path) -> None:
    """Remove what writers into ``path`` left when stopped without a chance to clean up (SIGKILL,
    the OOM killer, a power cut): the temporary folder of a run, or the temporary file of a
    single output (with the files a driver wrote beside it: a shapefile's .dbf and .shx, a
    GeoPackage's -journal), and of a write into that file (a GeoPackage's layers, written into the
    temporary file of a command's output: ``..NAME.1a2b3c4d.partial.gpkg.5e6f7a8b.partial.gpkg``),
    whose lock no process holds. What a writer still going holds (its lock held), or an older
    version left (no lock file), is left."""
    once = r"\.[0-9a-f]{8}" + re.escape(TEMP_MARK) + r"(" + re.escape(path.suffix) + r")?"
    pattern = re.compile(r"^\.+" + re.escape(path.name) + f"({once})+" + r"\.lock$")
    for lock in sorted(p for p in path.parent.glob(f"*{glob.escape(path.name)}.*{TEMP_MARK}*.lock")
                       if pattern.match(p.name)):
        try:
            held = _hold(lock)
        except OSError:  # a writer is writing there now
            continue
        if held is None:  # pragma: no cover - Windows: nothing tells a live writer from a stopped one
            return
        left = lock.with_name(lock.name[:-len(".lock")])
        if left.is_dir():
            shutil.rmtree(left, ignore_errors=True)
            logger.info("removed %s, the temporary folder of a run into %s that was stopped", left.name, path.name)
        else:  # its files, and those of a write into it (a GeoPackage's layers: '..NAME.1a2b3c4d.partial...')
            stem = left.name[:left.name.index(TEMP_MARK) + len(TEMP_MARK)]
            own = re.compile(r"^\.*" + re.escape(stem))
            for f in path.parent.glob("*" + glob.escape(stem) + "*"):
                if f != lock and f.is_file() and own.match(f.name):
                    with contextlib.suppress(OSError):
                        f.unlink()
                        logger.info("removed %s, left by a write of %s that was stopped", f.name, path.name)
        _release(held)


def _publish(tmp: Path, path: Path, last: str) -> None:
    if not path.exists() or (path.is_dir() and not any(path.iterdir())):
        if path.exists():
            path.rmdir()
        os.replace(tmp, path)
        return
    # what cannot be replaced is refused before anything moves, so the folder stays as it was
    in_the_way = sorted(p.relative_to(tmp) for p in tmp.rglob("*")
                        if p.is_file() and (path / p.relative_to(tmp)).is_dir())
    if in_the_way:
        raise InputFileError(f"output folder '{path}' holds a folder named '{in_the_way[0]}' where this run writes a "
                             "file; nothing was written there (move or rename that folder, or choose another --out)")
    for p in sorted(tmp.rglob("*")):  # the earlier run's summary.xlsx open in Excel, or made read-only
        if p.is_file():
            _replaceable(path / p.relative_to(tmp))
    old_log = path / last
    stale: list[Path] = []
    if old_log.exists():
        try:
            stale = [path / p for p in json.loads(old_log.read_text(encoding="utf-8")).get("outputs", [])]
        except (ValueError, OSError, AttributeError):
            stale = []
        old_log.unlink()
    stale += [p.with_name(p.name[:-len(".shp")] + part) for p in stale if p.name.lower().endswith(".shp")
              for part in _SHAPEFILE_PARTS]
    new = sorted(p for p in tmp.rglob("*") if p.is_file() and p.name != last)
    written = {path / p.relative_to(tmp) for p in new}
    for p in stale:
        if p not in written and p.resolve().is_relative_to(path.resolve()):
            with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                p.unlink()
            if p.parent != path:  # a subfolder of the earlier run's (shapefile/) left empty goes too
                with contextlib.suppress(OSError):
                    p.parent.rmdir()
    for p in new:
        target = path / p.relative_to(tmp)
        target.parent.mkdir(parents=True, exist_ok=True)
        _replace(p, target)
    if (tmp / last).exists():
        os.replace(tmp / last, path / last)
