"""The demo: the example project on the embedded Futian data, written into one folder."""

from __future__ import annotations

from pathlib import Path

from spatial.datasets.embedded import demo_paths
from spatial.project.run import run_project

__all__ = ["demo_project_path", "run_demo"]


def demo_project_path(data_dir: str | Path | None = None) -> Path:
    """The demo project file, ``demo_project.toml`` in the demo data folder."""
    return demo_paths(data_dir)["project"]


def run_demo(out_dir: str | Path = "maps", *, data_dir: str | Path | None = None,
             progress: bool = False) -> list[Path]:
    """Run the demo project and return the paths it wrote (maps, results, workbook, log).

    Parameters
    ----------
    out_dir
        Folder for the results and maps (created if missing).
    data_dir
        Folder holding ``demo_project.toml`` and the demo data (default: the copy installed with
        spatial, or the repository's ``data/`` in a checkout).
    progress
        Show a progress bar.

    Returns
    -------
    list of pathlib.Path
        Every file written.

    Examples
    --------
    >>> from spatial.project.demo import run_demo
    >>> paths = run_demo("maps")  # doctest: +SKIP
    """
    return run_project(demo_project_path(data_dir), out_dir=out_dir, progress=progress).files
