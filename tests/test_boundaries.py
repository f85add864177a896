"""The context boundaries hold, and the linter that guards them really fails on a violation."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["cadence", "commerce", "lms", "payouts", "connectors", "notifications", "tests"]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(project / ".importlinter"), "--no-cache"],
        cwd=project,
        env={"PYTHONPATH": str(project), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def project_copy(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def test_the_project_keeps_every_import_contract(project_copy):
    result = lint_imports(project_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.replace("0 broken", "")


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("commerce/zz_leak.py", "import lms.models", "never import one another"),
        ("payouts/zz_leak.py", "from commerce import api", "never import one another"),
        ("lms/zz_leak.py", "import connectors.registry", "never import connectors"),
        ("connectors/zz_leak.py", "from payouts import models", "only through its api"),
        ("cadence/kernel/zz_leak.py", "import lms.api", "kernel imports no context"),
        ("notifications/zz_leak.py", "from lms import api", "never import one another"),
        ("commerce/zz_leak.py", "import notifications.api", "never import one another"),
        ("notifications/zz_leak.py", "import connectors.registry", "never import connectors"),
        ("connectors/zz_leak.py", "from notifications import models", "only through its api"),
    ],
)
def test_an_injected_cross_context_import_breaks_the_lint(project_copy, module, line, contract):
    (project_copy / module).write_text(line + "\n")

    result = lint_imports(project_copy)

    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken
    assert module.replace("/", ".").removesuffix(".py") in broken
