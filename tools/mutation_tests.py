"""A pytest plugin for ``make mutate``: each mutant runs only against its own module's test files.

mutmut already runs a mutant only against the tests that reached the mutated function, from every
file in its test selection. The money kernel is reached by the payouts tests too, though, through
the whole sales machinery; the files that test a module are those listed for it under
``[tool.cadence-mutation.test-files]`` in pyproject.toml (the ones that import it), and other tests
are deselected while a mutant is under test. Outside a mutant run the plugin does nothing.

Under mutation, examples have no deadline (a mutant that is merely slow on a busy machine must
survive or time out, not count as caught by a test that only complained about the time), and a
failing example is not shrunk nor saved: that a test fails is all a mutant run needs to know.
"""

from __future__ import annotations

import os
import tomllib

import pytest
from hypothesis import Phase, settings

settings.register_profile(
    "mutation",
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


def _test_files(config: pytest.Config, mutant: str) -> list[str] | None:
    pyproject = tomllib.loads((config.rootpath / "pyproject.toml").read_text("utf-8"))
    by_module = pyproject["tool"]["cadence-mutation"]["test-files"]
    for module, files in by_module.items():
        if mutant.startswith(f"{module}."):
            return list(files)
    return None


def pytest_configure(config: pytest.Config) -> None:
    settings.load_profile("mutation")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if "__mutmut_" not in mutant:
        return
    files = _test_files(config, mutant)
    if files is None:
        return
    kept, dropped = [], []
    for item in items:
        path = item.path.relative_to(config.rootpath).as_posix()
        (kept if path in files else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    # In the order the files are listed, quickest first: the run stops at the first failure, so
    # a mutant an example test catches is caught before the long property runs start.
    order = {path: index for index, path in enumerate(files)}
    kept.sort(key=lambda item: order[item.path.relative_to(config.rootpath).as_posix()])
    items[:] = kept
