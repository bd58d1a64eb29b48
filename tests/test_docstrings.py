"""Every public name in ``spatial._LAZY`` has a numpydoc ``Examples`` section that runs (issue 7).

The examples use the embedded demo data (``spatial.load_demo()``, cached after the first call)
and must print exactly what their docstrings show. Warnings are errors here as everywhere.
"""

from __future__ import annotations

import doctest
import importlib
import inspect

import pytest

import spatial


def _public(name: str):
    return getattr(spatial, name)


@pytest.mark.parametrize("name", sorted(spatial._LAZY))
def test_public_names_are_the_functions_even_after_their_modules_load(name):
    importlib.import_module(f"spatial.{spatial._LAZY[name]}")
    obj = getattr(spatial, name)
    assert not inspect.ismodule(obj), f"spatial.{name} is shadowed by a module of the same name"
    assert obj is getattr(importlib.import_module(f"spatial.{spatial._LAZY[name]}"), name)


@pytest.mark.parametrize("name", sorted(spatial._LAZY))
def test_docstring_example_runs(name, monkeypatch, tmp_path):
    obj = _public(name)
    doc = inspect.getdoc(obj) or ""
    assert "\nExamples\n--------\n" in doc, f"{name}: docstring has no numpydoc Examples section"

    tests = doctest.DocTestFinder(recurse=False).find(obj, name, globs={})
    examples = [ex for test in tests for ex in test.examples]
    assert examples, f"{name}: the Examples section has no doctest"

    monkeypatch.chdir(tmp_path)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out: list[str] = []
    for test in tests:
        runner.run(test, out=out.append)
    assert runner.failures == 0, f"{name}: {runner.failures} example(s) failed\n" + "".join(out)
