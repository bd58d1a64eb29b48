"""Screenshot a saved map with headless Chromium, networking off (``spatial screenshot MAP PNG``).

Needs the ``chromium`` binary (Debian package ``chromium``; ``fonts-wqy-microhei`` for Chinese text). Every host resolves to nothing, so the
picture proves that the map draws offline.

Headless Chromium lays a page out at least 500 CSS pixels wide whatever ``--window-size`` says,
and ``--screenshot`` then crops that page to the size asked: a "390-pixel phone" picture was a
500-pixel page with its right fifth cut off (the map's east end seemed off screen). Narrower
pictures are therefore taken of the map in a frame of exactly the size asked, inside a page of
500 pixels, and cut to the frame with Pillow (matplotlib's own image library), so media queries,
``innerWidth`` and the first view are the phone's.
"""

from __future__ import annotations

import contextlib
import html
import logging
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from spatial.core._held import stops_held
from spatial.core.errors import InputFileError

logger = logging.getLogger(__name__)

#: Chromium switches: headless, no GPU, no sandbox (root in containers) and no network at all.
OFFLINE_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]


#: Headless Chromium's narrowest layout (CSS pixels); a narrower picture is framed (see above).
MIN_WIDTH = 500


#: Chromium-based browsers by the names they have on PATH (Edge draws and shoots as Chromium does).
_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome", "msedge", "microsoft-edge")
#: Where Chrome and Edge install themselves off PATH: under a Windows folder variable, or on macOS.
_WINDOWS_PLACES = (("ProgramFiles", "Google/Chrome/Application/chrome.exe"),
                   ("ProgramFiles(x86)", "Google/Chrome/Application/chrome.exe"),
                   ("LOCALAPPDATA", "Google/Chrome/Application/chrome.exe"),
                   ("ProgramFiles(x86)", "Microsoft/Edge/Application/msedge.exe"),
                   ("ProgramFiles", "Microsoft/Edge/Application/msedge.exe"))
_MAC_PLACES = ("/Applications/Chromium.app/Contents/MacOS/Chromium",
               "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
               "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge")


def find_chromium() -> str | None:
    """Path of a Chromium-based browser (Chromium, Chrome or Edge), or ``None``: on PATH, else
    where Chrome and Edge install themselves on Windows (which puts neither on PATH) and macOS."""
    for name in _NAMES:
        path = shutil.which(name)
        if path:
            return path
    places = [Path(os.environ[var], rel) for var, rel in _WINDOWS_PLACES if os.environ.get(var)]
    for place in (*places, *map(Path, _MAC_PLACES)):
        if place.is_file():
            return str(place)
    return None


def run_chromium(html_path: str | Path, extra: list[str], *, wait_ms: int = 4000, timeout_s: float = 120) -> str:
    """Open ``html_path`` in headless Chromium with ``extra`` switches; return its stdout."""
    html_path = Path(html_path).resolve()
    if not html_path.is_file():
        raise InputFileError(f"map file '{html_path}' does not exist")
    binary = find_chromium()
    if binary is None:
        raise InputFileError("no Chromium, Chrome or Edge found; install one (Debian/Ubuntu: apt-get install "
                             "chromium; Windows: Chrome or Edge) or put its folder on PATH")
    for attempt in range(2):  # a busy shared machine occasionally kills the first start
        # (a profile left half-removed by a stop is no error of the user's: the stop is what is said)
        with tempfile.TemporaryDirectory(prefix="spatial-chromium-", ignore_cleanup_errors=True) as profile:
            cmd = [binary, *OFFLINE_FLAGS, f"--user-data-dir={profile}",
                   f"--virtual-time-budget={int(wait_ms)}", *extra, html_path.as_uri()]
            try:
                done = _run_all_or_none(cmd, timeout_s)
            except subprocess.TimeoutExpired:  # was 'internal error: TimeoutExpired ... report it', exit 1
                raise InputFileError(f"chromium did not finish drawing '{html_path}' in {timeout_s:g} s (the "
                                     "browser and its helpers were ended); try again when the machine is less "
                                     "busy, or draw a smaller map") from None
        if done.returncode == 0:
            break
        logger.warning("chromium exited with %d on '%s' (attempt %d): %s", done.returncode, html_path,
                       attempt + 1, done.stderr[-300:])
    if done.returncode != 0:
        raise InputFileError(f"chromium failed on '{html_path}' ({done.returncode}): {done.stderr[-500:]}")
    return done.stdout


def _run_all_or_none(cmd: list[str], timeout_s: float) -> subprocess.CompletedProcess:
    """Run Chromium to its end, or, on a stop (Ctrl-C, SIGTERM raised as one, a timeout), end it
    and every process it started (renderers, GPU, zygote) before the stop goes on.

    ``subprocess.run`` killed the browser's first process only: its renderers went on writing in
    the profile folder, whose removal then failed, and that error took the stop's place
    (``spatial screenshot`` said "cannot write 'map.png': Directory not empty", exit 2, not
    "interrupted", exit 130). The browser now runs in a process group of its own, killed whole.

    A stop that came while ``Popen`` started the browser (after its fork, before ``Popen``
    returned) left the browser running with nothing to end it, still writing in a profile folder
    already removed; it is now held until ``Popen`` returns (:func:`~spatial.core._held.stops_held`),
    and so is a second Ctrl-C while the browser is ended.
    """
    group = os.name == "posix"
    proc: subprocess.Popen | None = None
    try:
        with stops_held():  # a stop as the browser starts lands here, where the browser can be ended
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    start_new_session=group)
        out, err = proc.communicate(timeout=timeout_s)
    except BaseException:
        if proc is not None:
            with stops_held():  # (a second Ctrl-C does not cut the ending short)
                proc.kill()
                if group:
                    _end_group(proc.pid)
                proc.wait()
        raise
    finally:
        for pipe in (proc.stdout, proc.stderr) if proc is not None else ():
            pipe.close()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _end_group(pgid: int, *, wait_s: float = 2.0) -> None:
    """Kill every process of the group ``pgid`` and wait up to ``wait_s`` until none is left
    (a renderer killed a moment ago may still hold the profile folder open)."""
    import time

    end = time.monotonic() + wait_s
    while True:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            return
        if time.monotonic() > end:
            return
        time.sleep(0.05)


def screenshot(html_path: str | Path, png_path: str | Path, *, width: int = 1280, height: int = 860,
               wait_ms: int = 4000) -> Path:
    """Save a PNG of the map at ``html_path`` as rendered offline; returns the PNG path.

    A page that is no map (0 bytes, binary, or a map cut short before its ``</html>``) is refused:
    Chromium draws it as a blank picture, which went into printed reports with exit 0.
    """
    _check_page(Path(html_path))
    png_path = Path(png_path).resolve()
    png_path.parent.mkdir(parents=True, exist_ok=True)
    if width >= MIN_WIDTH:
        run_chromium(html_path, [f"--screenshot={png_path}", f"--window-size={width},{height}"], wait_ms=wait_ms)
        if not png_path.is_file():
            raise InputFileError(f"chromium wrote no screenshot to '{png_path}'")
        return png_path
    from PIL import Image

    html_path = Path(html_path).resolve()
    if not html_path.is_file():
        raise InputFileError(f"map file '{html_path}' does not exist")
    with tempfile.TemporaryDirectory(prefix="spatial-frame-") as tmp:
        page, shot = Path(tmp) / "frame.html", Path(tmp) / "frame.png"
        page.write_text(f'<!DOCTYPE html><html><body style="margin:0"><iframe src="{html.escape(html_path.as_uri())}" '
                        f'style="border:0;display:block;width:{width}px;height:{height}px"></iframe></body></html>',
                        encoding="utf-8")
        run_chromium(page, [f"--screenshot={shot}", f"--window-size={MIN_WIDTH},{height}"], wait_ms=wait_ms)
        if not shot.is_file():
            raise InputFileError(f"chromium wrote no screenshot of '{html_path}'")
        with Image.open(shot) as im:
            im.crop((0, 0, width, height)).save(png_path)
    return png_path


def _check_page(path: Path) -> None:
    """Refuse a page Chromium would draw blank: empty, not text, or a map of Leaflet's cut short."""
    from spatial.io._faults import file_fault

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read map '{path}': {file_fault(path, str(exc), 'write the map again') or exc}") \
            from exc
    again = "write the map again (spatial map, or spatial run)"
    if not data.strip():
        raise InputFileError(f"map '{path}' is empty ({len(data)} bytes); {again}")
    if b"\x00" in data[:8192]:
        raise InputFileError(f"map '{path}' is not a web page (it holds binary data); {again}")
    if b"leaflet" in data[:200_000].lower() and b"</html>" not in data[-4096:].lower():
        raise InputFileError(f"map '{path}' is cut short ({len(data):,} bytes, no </html> at its end); {again}")


def dump_dom(html_path: str | Path, *, wait_ms: int = 4000) -> str:
    """The DOM of the page after ``wait_ms`` of virtual time, as HTML."""
    return run_chromium(html_path, ["--dump-dom"], wait_ms=wait_ms)
