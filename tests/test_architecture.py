"""The shape of the code, measured from the code: packages import only what lies below them
in the pipeline, modules stay small, views build no queries, GETs never commit.

The package import graph is read from every ``import`` statement under ``app/`` (those
inside functions too), so a new upward import fails here with the file and line that
made it. ``docs/architecture.md`` explains the layers and each allowed exception.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"

# Bottom to top: a unit (a package, or a module directly under app/) may import only
# itself and the units listed before it.
LAYERS = (
    # the shared base
    "extensions",
    "columns",
    "forms",
    "security",
    "i18n",
    "navigation",
    "audit",
    "jobs",
    "webhooks",
    "mail",
    "spreadsheets",
    # the pipeline
    "territory",
    "workday",
    "users",
    "accounts",
    "scripting",
    "campaigns",
    "donotcall",
    "imports",
    "desk",
    "board",
    "floor",
    "timesheets",
    "distribution",
    "results",
    "workspace",
    "external",
    "cards",
    "setup",
    "privacy",
    "api",
    "demo",
    # wiring
    "models",
    "__init__",
)

# The upward imports we keep, each with its reason (named in docs/architecture.md too):
# (importing module, imported module) -> why.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {
    ("app.desk.services", "app.board.tally_writes"): (
        "recording an outcome counts the call in the board's tallies in the same "
        "transaction, so the board never disagrees with the calls"
    ),
    ("app.campaigns.cli", "app.donotcall.interval"): (
        "'flask campaigns list' prints the do-not-call check warnings under its table; the "
        "rule is the do-not-call list's, which sits above campaigns"
    ),
}


def _unit(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "app":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:  # relative: resolve against this module's package
        package = module.split(".") if is_package else module.split(".")[:-1]
        base = package[: len(package) - node.level + 1]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    # "from app.board import tally_writes" imports the module app.board.tally_writes.
    found = []
    for alias in node.names:
        sub = ROOT.joinpath(*target.split("."), alias.name)
        is_module = sub.with_suffix(".py").is_file() or (sub / "__init__.py").is_file()
        found.append(f"{target}.{alias.name}" if is_module else target)
    return sorted(set(found))


def import_edges() -> list[tuple[str, str, str]]:
    """(importing module, imported module, "file:line") for every import between units."""
    edges = []
    for path in sorted(APP.rglob("*.py")):
        module = _module_name(path)
        source = _unit(module)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in _imported(node, module, path.name == "__init__.py"):
                unit = _unit(target)
                if unit is not None and unit != source:
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    edges.append((module, target, where))
    return edges


def upward_imports() -> list[tuple[str, str, str]]:
    rank = {unit: i for i, unit in enumerate(LAYERS)}
    return [
        (module, target, where)
        for module, target, where in import_edges()
        if rank[_unit(target)] > rank[_unit(module)]
    ]


def test_every_unit_of_the_application_has_its_layer():
    units = {_unit(_module_name(p)) for p in APP.rglob("*.py")}
    assert units - set(LAYERS) == set(), "place the new package in LAYERS"
    assert set(LAYERS) - units == set(), "a layer names a package that no longer exists"


def test_imports_point_down_the_pipeline():
    unexpected = [
        f"{where}: {module} imports {target}"
        for module, target, where in upward_imports()
        if (module, target) not in ALLOWED_UPWARD
    ]
    assert unexpected == []


def test_each_allowed_upward_import_is_still_needed_and_documented():
    found = {(module, target) for module, target, _ in upward_imports()}
    assert set(ALLOWED_UPWARD) <= found, "an allowed upward import is gone: remove it"
    assert len(ALLOWED_UPWARD) <= 2
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for module, target in ALLOWED_UPWARD:
        assert f"`{module}` imports `{target}`" in doc


def test_the_measure_sees_an_upward_import(tmp_path):
    """The graph reader itself: a relative import inside a function is an edge too."""
    code = "def f():\n    from ..board import tallies\n"
    tree = ast.parse(code)
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom))
    assert _imported(node, "app.desk.services", is_package=False) == ["app.board"]
    node = ast.parse("from app.board import tally_writes, views").body[0]
    assert _imported(node, "app.desk.services", is_package=False) == [
        "app.board.tally_writes",
        "app.board.views",
    ]
    node = ast.parse("from app import models").body[0]
    assert _imported(node, "app.x", is_package=False) == ["app.models"]


# ------------------------------------------------------------------------- sizes ---

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
LONG_FUNCTION_NOTE = "# Long:"  # the comment that says why a function is not split


def _python_files() -> list[Path]:
    return sorted(APP.rglob("*.py"))


def test_no_module_is_over_400_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for p in _python_files()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_a_function_over_60_lines_says_why_it_is_not_split():
    unexplained = []
    for path in _python_files():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = node.end_lineno - first + 1
            body = "\n".join(lines[first - 1 : node.end_lineno])
            if length > MAX_FUNCTION_LINES and LONG_FUNCTION_NOTE not in body:
                unexplained.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} {length}")
    assert unexplained == []


# ------------------------------------------------------------------------- views ---


QUERY_ROOTS = {"select", "update", "delete", "insert"}


def _chain(call: ast.Call) -> list[str]:
    """The names a method chain calls, outermost first: ``sa.select(X).where(y)`` gives
    ``["where", "select"]``."""
    names = []
    node: ast.AST | None = call
    while isinstance(node, ast.Call):
        func = node.func
        names.append(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
        node = func.value if isinstance(func, ast.Attribute) else None
    return names


def queries_built(source: str) -> list[int]:
    """Lines where ``source`` builds a query (``select(...)``, ``update(...)``...)."""
    return sorted(
        {
            node.lineno
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and _chain(node)[-1] in QUERY_ROOTS
        }
    )


def test_no_view_builds_a_query():
    """Views load one object (``load_or_404``, ``session.get``), check access, validate,
    call one service: every query has a name, in a service, where it is tested."""
    builders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(APP.rglob("*views.py"))
        for line in queries_built(path.read_text(encoding="utf-8"))
    ]
    assert builders == []


def test_the_query_detector_sees_a_query():
    code = (
        "def index():\n"
        "    rows = db.session.scalars(\n        sa.select(X)\n        .where(y)\n    )\n"
        "    one = db.session.get(X, 1)\n"
        "    sa.update(X).values(a=1)\n"
    )
    assert queries_built(code) == [3, 7]


# ---------------------------------------------------------------- registrations ---


def _jobs_modules() -> dict[str, object]:
    """Every ``jobs.py`` under ``app/``, imported."""
    return {
        name: importlib.import_module(name)
        for name in sorted(_module_name(path) for path in APP.rglob("jobs.py"))
    }


def test_jobs_live_in_jobs_modules_and_are_registered_by_the_app_factory(tmp_path):
    """A job handler (and a failure handler) is defined in its feature's ``jobs.py`` and
    listed in its ``JOBS`` (``ON_FAILURE``); ``create_app`` registers every one of them, so
    the web process, the RQ worker and the shell all know every job."""
    from app.jobs.registry import registered
    from tests.conftest import build_app

    declared, on_failure, elsewhere = {}, {}, []
    for name, module in _jobs_modules().items():
        failure = getattr(module, "ON_FAILURE", {})
        for mapping, into in ((module.JOBS, declared), (failure, on_failure)):
            for kind, handler in mapping.items():
                if handler.__module__ != name:
                    elsewhere.append(f"{kind}: {handler.__module__}.{handler.__name__}")
                into[kind] = handler
    assert elsewhere == [], "define job handlers in the feature's jobs.py"
    assert {"imports.run", "privacy.retention"} <= set(declared), "the detector is broken"
    jobs = registered(build_app(f"sqlite:///{tmp_path}/jobs.db"))
    assert jobs.handlers == declared, "list the jobs module in create_app's register_jobs"
    assert jobs.on_failure == on_failure


def registrations(source: str) -> list[int]:
    """Lines that register jobs, or import a jobs module for that side effect: a
    ``from ... import jobs as _x``, or an import of the registry's ``register``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom):
            continue
        names = node.names
        if any(alias.name == "jobs" and alias.asname for alias in names) or (
            node.module == "app.jobs.registry" and any(a.name == "register" for a in names)
        ):
            lines.append(node.lineno)
    return lines


def test_no_module_registers_jobs_by_importing_them():
    """Only ``create_app`` (``app/__init__.py``) registers jobs."""
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _python_files()
        if path != APP / "__init__.py"
        for line in registrations(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_registration_detector_sees_a_side_effect_import():
    code = (
        "from app.distribution import jobs as _jobs  # noqa: F401\n"
        "from app.privacy import jobs\n"
        "def f():\n    from app.jobs.registry import register, registered\n"
    )
    assert registrations(code) == [1, 4]
