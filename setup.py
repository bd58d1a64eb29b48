"""Build hook: the demo data in ``data/`` goes into the wheel as ``spatial/datasets/demo_data/``.

Everything else is declared in pyproject.toml. ``spatial demo`` and ``spatial.load_demo()`` read
the copy installed with the package; a checkout (or an editable install) reads ``data/`` in place
(``spatial.datasets.embedded.demo_dir``). MANIFEST.in puts ``data/`` into the sdist, so a wheel
built from the sdist carries the data too. tests/test_outside_install.py builds both and checks.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

#: The files the demo reads, with the network's ODbL credit (README.md) and the layers' provenance.
DEMO_FILES = ("demo.gpkg", "futian_walk.graphml", "demo_project.toml", "demo_metadata.json", "README.md")
DEMO_TARGET = ("spatial", "datasets", "demo_data")


class BuildPyWithDemo(build_py):
    """``build_py`` that also copies the demo data into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads data/ where it is
        target = Path(self.build_lib, *DEMO_TARGET)
        self.mkpath(str(target))
        for name in DEMO_FILES:
            self.copy_file(str(Path("data", name)), str(target / name))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return [*super().get_outputs(include_bytecode), *(str(Path(self.build_lib, *DEMO_TARGET, n)) for n in DEMO_FILES)]


setup(cmdclass={"build_py": BuildPyWithDemo})
