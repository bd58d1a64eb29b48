"""The package's shape holds: packages by job, dependencies one way, no cycles, arguments read only by the CLI."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import spatial

ROOT = Path(spatial.__file__).parent
PACKAGES = ["core", "io", "network", "coverage", "grids", "datasets", "siting", "maps", "project", "cli"]
PYPROJECT = ROOT.parent / "pyproject.toml"


def _modules():
    for info in pkgutil.walk_packages([str(ROOT)], prefix="spatial."):
        yield info.name


def test_layers_contract_is_kept():
    """import-linter's layers contract in pyproject.toml: cli > project > maps > siting > ... > core.

    Run in its own process: import-linter configures logging, which would silence the loggers
    other tests listen to.
    """
    code = ("import sys; from importlinter.cli import lint_imports; "
            f"sys.exit(lint_imports(config_filename={str(PYPROJECT)!r}, no_cache=True, no_logo=True))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_no_import_cycles_between_modules():
    """A cycle between two modules (even through a function-level import) makes the layering a lie."""
    graph = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("spatial."):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    deps.add(full if (ROOT.parent / Path(*full.split("."))).with_suffix(".py").exists() else node.module)
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name.startswith("spatial.")}
        graph[name] = deps - {name}
    # depth-first search for a back edge
    state, cycle = {}, []

    def visit(node, stack):
        state[node] = 1
        for dep in graph.get(node, ()):
            if dep not in graph:
                continue
            if state.get(dep) == 1:
                cycle.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, stack + [dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycle == [], f"import cycles: {cycle[:3]}"


def test_every_package_says_what_it_owns_and_may_import():
    for name in PACKAGES:
        module = importlib.import_module(f"spatial.{name}")
        doc = module.__doc__ or ""
        assert len(doc) > 80, f"spatial.{name} has no docstring saying what it owns"
        assert "import" in doc, f"spatial.{name}'s docstring does not say what it may import"


def test_only_the_cli_reads_arguments_or_prints():
    offenders = []
    for path in ROOT.rglob("*.py"):
        if "cli" in path.relative_to(ROOT).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if "argparse" in names:
                    offenders.append(f"{path.relative_to(ROOT)}: imports argparse")
            elif isinstance(node, ast.Attribute) and node.attr == "argv" and getattr(node.value, "id", "") == "sys":
                offenders.append(f"{path.relative_to(ROOT)}: reads sys.argv")
            elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "print":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: print()")
    assert offenders == []


def test_every_public_name_still_imports_from_spatial():
    for name in spatial.__all__:
        assert getattr(spatial, name) is not None
    assert not [m for m in _modules() if m.count(".") == 1 and not m.split(".")[1] in PACKAGES + ["__main__"]], \
        "a flat module is back at the top of spatial/"


#: Packages that ``import spatial`` and ``spatial --help`` must not load: each costs 0.1-1 s of
#: start-up (geopandas with pandas and numpy about 0.5 s CPU, osmnx 1 s), paid by every command.
HEAVY = ("geopandas", "pandas", "numpy", "shapely", "pyproj", "pyogrio", "scipy", "folium", "branca", "jinja2",
         "osmnx", "networkx", "sklearn", "matplotlib", "rasterio", "pymetis", "openpyxl", "selenium", "dask")


def _loaded_after(code: str, names: tuple[str, ...] = HEAVY) -> list[str]:
    """Which of ``names`` (packages or modules: ``scipy.spatial`` stands for its submodules too)
    are in ``sys.modules`` of a fresh interpreter once ``code`` has run."""
    probe = (f"import sys\n{code}\n"
             f"print('loaded:', *sorted({{n for n in {names!r} for m in sys.modules "
             f"if m == n or m.startswith(n + '.')}}), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          cwd=ROOT.parent)
    return [line for line in done.stderr.splitlines() if line.startswith("loaded:")][-1].split()[1:]


def test_import_spatial_loads_no_heavy_package():
    assert _loaded_after("import spatial; spatial.SpatialError, spatial.__version__") == []


def test_a_public_name_loads_its_packages_on_first_use():
    assert "geopandas" in _loaded_after("import spatial; spatial.Report")


@pytest.mark.parametrize("command", [[], ["demo"], ["grids"], ["merge"], ["coverage"], ["map"], ["screenshot"],
                                     ["site"], ["run"], ["editor"]], ids=lambda c: " ".join(c) or "spatial")
def test_help_loads_no_heavy_package(command):
    code = f"from spatial.cli import main\nassert main({[*command, '--help']!r}) == 0"
    assert _loaded_after(code) == []


def test_the_dotted_calls_the_docs_write_work_right_after_import_spatial():
    # docs/elevation.md's dem=spatial.network.elevation.edge_times(network, "dem.tif") (and README's
    # spatial.maps.interactive.tianditu_tiles, docs/grid-codes.md's spatial.grids.codes.parse_grid_code,
    # docs/layers.md's spatial.io.personal.personal_columns) said "module 'spatial' has no attribute
    # 'network'" in a fresh session: the attribute existed only once another call had imported it
    import re

    docs = [ROOT.parent / "README.md", *sorted((ROOT.parent / "docs").glob("*.md"))]
    dotted = sorted({m for path in docs for m in re.findall(
        r"(?<![\w.])(spatial(?:\.(?:" + "|".join(PACKAGES) + r"))(?:\.[A-Za-z_]\w*)+)", path.read_text(encoding="utf-8"))})
    assert {"spatial.network.elevation.edge_times", "spatial.grids.codes.parse_grid_code"} <= set(dotted)
    code = ("import spatial\nfrom functools import reduce\n"
            f"for chain in {dotted!r}:\n"
            "    reduce(getattr, chain.split('.')[1:], spatial)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT.parent)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_package_still_has_no_attribute_it_lacks():
    code = ("import spatial\n"
            "for chain in (('nothing',), ('network', 'nothing'), ('grids', '__wrapped__')):\n"
            "    try:\n        obj = spatial\n        for name in chain:\n            obj = getattr(obj, name)\n"
            "    except AttributeError as e:\n        print(e)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT.parent, check=True)
    assert done.stdout.splitlines() == ["module 'spatial' has no attribute 'nothing'",
                                        "module 'spatial.network' has no attribute 'nothing'",
                                        "module 'spatial.grids' has no attribute '__wrapped__'"]
