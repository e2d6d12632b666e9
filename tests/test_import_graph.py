"""Imports run one way: no cycle in either layer, and the scraping layer imports neither Django nor the
job layer. Checked with tools/import_graph.py, which counts imports inside functions too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "import_graph.py"


def import_graph(package: str, *args: str, root: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(TOOL), package, "--root", str(root), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_scraping_layer_has_no_import_cycle_and_imports_neither_django_nor_leadengine():
    result = import_graph("scraping", "--forbid", "django,leadengine")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "no cycle"
    assert "scraping.sources.registry -> scraping.http, scraping.types" in result.stdout


def test_the_job_layer_has_no_import_cycle():
    result = import_graph("leadengine")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "no cycle"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_it_finds_a_cycle_closed_by_an_import_inside_a_function(tmp_path):
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg.b import helper\n",
            "pkg/b.py": "def helper():\n    from . import c\n",
            "pkg/c.py": "import pkg.a\n",
        },
    )
    result = import_graph("pkg", root=tmp_path)
    assert result.returncode == 1
    assert "cycle: pkg.a -> pkg.b -> pkg.c -> pkg.a" in result.stdout
    assert "pkg.b -> pkg.c" in result.stdout.splitlines()


def test_a_package_that_re_exports_its_modules_is_no_cycle(tmp_path):
    write(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.sub import thing\n",
            "pkg/sub/__init__.py": "from .one import thing\nfrom pkg.sub import two\n",
            "pkg/sub/one.py": "from pkg.sub.two import other\nthing = other\n",
            "pkg/sub/two.py": "import os\nother = 1\n",
        },
    )
    result = import_graph("pkg", root=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "pkg.sub -> pkg.sub.one, pkg.sub.two" in result.stdout.splitlines()


def test_it_refuses_a_forbidden_import_even_inside_a_function(tmp_path):
    write(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": "def f():\n    from django.conf import settings\n"})
    result = import_graph("pkg", "--forbid", "django,leadengine", root=tmp_path)
    assert result.returncode == 1
    assert "forbidden: pkg.a imports django.conf" in result.stdout
