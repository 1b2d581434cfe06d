"""Dependencies run one way (docs/architecture.md): a lower layer never imports a higher one.

Every import of ``dangjian.<app>`` in every Python file of every app (migrations included) is read from the
source with ``ast`` — top-level and function-level imports alike — and checked against the layer table."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "dangjian"

# The layer of every app; an app may import its own layer and the ones below. Keep docs/architecture.md in step.
LAYERS = {
    "core": 0,  # the ground floor: text, errors, parameters, cache, request context, the module interface
    "orgs": 1, "people": 1, "accounts": 1, "audit": 1,  # the foundation
    "notices": 2, "publications": 2, "workdays": 2, "metrics": 2, "workrecords": 2,  # platform services
    "transfers": 3, "meetings": 3, "talks": 3, "activities": 3, "exams": 3, "learning": 3, "regulations": 3,
    "fees": 3, "hr": 3,  # domain modules
    "api": 1,  # the API framework (authentication, errors, paging, the orgs and people endpoints, the URL conf)
    "home": 4,  # the top floor: composes the home page, menu and demo from the others
}
TOP_LEVEL = {"settings", "urls", "wsgi", "celery", "__init__"}  # the project's own files: they wire everything


def app_dirs():
    return sorted(p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def imports_of(path):
    """(line, app) for every ``dangjian.<app>`` the file imports, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = path.relative_to(ROOT.parent).with_suffix("").parts[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                names = [".".join((*base, node.module)) if node.module else ".".join(base)]
            else:
                names = [node.module or ""]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "dangjian" and len(parts) > 1:
                found.append((node.lineno, parts[1]))
    return found


def violations():
    found = []
    for app in app_dirs():
        layer = LAYERS[app]
        for path in (ROOT / app).rglob("*.py"):
            for line, target in imports_of(path):
                if target in TOP_LEVEL or target == app:
                    continue
                if LAYERS.get(target, 99) > layer:
                    found.append(f"{path.relative_to(ROOT.parent)}:{line} ({app}, layer {layer}) imports "
                                 f"dangjian.{target} (layer {LAYERS.get(target, '?')})")
    return found


def test_every_app_has_a_layer():
    assert [app for app in app_dirs() if app not in LAYERS] == []


def test_no_lower_layer_imports_a_higher_one():
    assert violations() == []


@pytest.mark.parametrize("source,expected", [
    ("from dangjian.meetings import services", [(1, "meetings")]),
    ("import dangjian.fees.rules", [(1, "fees")]),
    ("def f():\n    from dangjian.home import demo", [(2, "home")]),
    ("from ..meetings import models", [(1, "meetings")]),
    ("from . import rules", [(1, "core")]),
    ("import os\nfrom django.db import models", []),
])
def test_the_checker_sees_every_kind_of_import(tmp_path, monkeypatch, source, expected):
    """The checker itself can fail: it finds top-level, nested and relative imports."""
    target = ROOT / "core" / "_layering_probe.py"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source)
    assert imports_of(target) == expected
