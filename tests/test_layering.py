"""The apps form layers and import only downward (README, Architecture): a lower app never imports a higher
one, not even inside a function. Checked over the source with ast, so an import hidden in a function counts."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. An app may import apps of lower layers only; apps of one layer do not import each other.
LAYERS = [
    ["core"],
    ["accounts"],
    ["agencies"],
    ["incidents"],
    ["pki"],
    ["ocr"],  # the text of stored files: text layers, OCR (Vietnamese), PDF/A copies, corrections
    ["intake"],
    ["documents"],
    ["exchange"],  # edXML envelopes, exchange with other installations of the portal
    ["schedules"],  # weekly work schedules, calendar feeds
    ["meetings"],  # invitations (GM), attendance, papers; a meeting puts its entries into schedules
    ["archive"],  # digitised archive documents: batches of scans and their metadata
    ["reports", "public_site", "api", "search"],  # api: the REST API; search: over everything a user may open
    ["portal"],  # the project: settings, URLs, Celery, health
]
LEVEL = {app: level for level, apps in enumerate(LAYERS) for app in apps}
# Development tools (an app installed only with DEBUG on, and in the suite): production code never imports them.
DEVTOOLS = "devtools"


def imported_apps(source):
    """(line, app) of every import of one of our apps in the source, at any depth; relative imports stay home."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.partition(".")[0]
            if top in LEVEL or top == DEVTOOLS:
                yield node.lineno, top


def violations(app, relative_path, source):
    found = []
    for line, target in imported_apps(source):
        if target == app:
            continue
        if target == DEVTOOLS:
            found.append(f"{relative_path}:{line} imports devtools")
        elif LEVEL[target] >= LEVEL[app]:
            found.append(f"{relative_path}:{line} {app} imports {target}, which is not below it")
    return found


def test_every_app_imports_only_the_layers_below_it():
    found = []
    for app in LEVEL:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            found += violations(app, relative, path.read_text(encoding="utf-8"))
    assert found == []


def test_every_app_of_the_project_has_its_layer():
    packages = {path.parent.name for path in ROOT.glob("*/apps.py")} | {"core"}
    assert packages - {DEVTOOLS} == set(LEVEL)


def test_an_import_upward_is_found_even_inside_a_function():
    source = "from documents.models import Delivery\n\ndef hook():\n    from reports import tables\n"
    assert violations("documents", "documents/x.py", source) == [
        "documents/x.py:4 documents imports reports, which is not below it"]
    assert violations("documents", "documents/x.py", "import public_site.views\n") != []
    assert violations("reports", "reports/x.py", "import public_site.views\n") != []  # a peer is not below
    assert violations("pki", "pki/x.py", "from devtools import demo\n") == ["pki/x.py:1 imports devtools"]
