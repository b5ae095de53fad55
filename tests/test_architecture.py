"""The layer order (docs/architecture.md) holds: import-linter's contracts in pyproject.toml.

`make test` runs them here, so a new upward import or a new cycle between apps fails the
suite like any other test, and the tests below show that each kind of breach is caught.
"""

import os
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grimp
import pytest
from importlinter.adapters.building import GraphBuilder
from importlinter.application.app_config import settings
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = str(ROOT / "pyproject.toml")


class _BuilderAdding(GraphBuilder):
    """Builds the real graph of tsunagu, then adds the imports of a deliberate breach."""

    def __init__(self, imports: list[tuple[str, str]]) -> None:
        self.imports = imports

    def build(self, *args: object, **kwargs: object) -> grimp.ImportGraph:
        graph = super().build(*args, **kwargs)  # type: ignore[arg-type]
        for importer, imported in self.imports:
            graph.add_import(importer=importer, imported=imported)
        return graph


@contextmanager
def _graph_with(imports: list[tuple[str, str]]) -> Iterator[None]:
    previous = settings.GRAPH_BUILDER
    settings.configure(GRAPH_BUILDER=_BuilderAdding(imports))
    try:
        yield
    finally:
        settings.configure(GRAPH_BUILDER=previous)


@contextmanager
def _in_root() -> Iterator[None]:
    """import-linter finds the package from the working directory (as `lint-imports` does)."""
    before = os.getcwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(before)


def _lint(capsys: pytest.CaptureFixture[str], config: str = PYPROJECT) -> tuple[int, str]:
    capsys.readouterr()
    with _in_root():
        code = lint_imports(config_filename=config, no_cache=True, no_logo=True)
    return code, capsys.readouterr().out


def test_every_import_contract_is_kept(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _lint(capsys)
    assert code == 0, out
    assert "0 broken" in out


@pytest.mark.parametrize(
    ("importer", "imported", "contract"),
    [
        # tenancy reaching a domain app, as its home page did before tsunagu.home
        ("tsunagu.tenancy.views", "tsunagu.cases.selectors", "tenancy and accounts import no"),
        # log-in code reaching the demo, as the MFA exemption did before User.is_demo
        ("tsunagu.accounts.mfa", "tsunagu.demo.data", "tenancy and accounts import no"),
        ("tsunagu.core.eras", "tsunagu.people.models", "core imports nothing of tsunagu"),
        ("tsunagu.policy.casework", "tsunagu.cases.selectors", "the policy package reads models"),
        ("tsunagu.places.models", "tsunagu.places.views", "models import no screens or API"),
        ("tsunagu.places.views", "tsunagu.supporters.views", "places imports no screen"),
        ("tsunagu.cases.views", "tsunagu.home.views", "the layer order"),
    ],
)
def test_a_deliberate_breach_breaks_its_contract(
    capsys: pytest.CaptureFixture[str], importer: str, imported: str, contract: str
) -> None:
    with _graph_with([(importer, imported)]):
        code, out = _lint(capsys)
    assert code == 1
    broken = [line for line in out.splitlines() if " BROKEN" in line]
    assert any(line.startswith(contract) for line in broken), out
    assert importer in out and imported in out


def test_a_module_importing_upward_in_a_package_on_the_path_fails_the_check(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runner itself, on real files: a temporary package whose lower layer imports up."""
    package = tmp_path / "layered_fixture"
    for name, body in {
        "__init__.py": "",
        "low.py": "from layered_fixture import high\n",
        "high.py": "",
    }.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(body)
    config = tmp_path / "contracts.toml"
    config.write_text(
        textwrap.dedent(
            """
            [tool.importlinter]
            root_package = "layered_fixture"

            [[tool.importlinter.contracts]]
            name = "high over low"
            type = "layers"
            layers = ["layered_fixture.high", "layered_fixture.low"]
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    code, out = _lint(capsys, str(config))
    assert code == 1
    assert "high over low BROKEN" in out and "layered_fixture.low" in out
    (package / "low.py").write_text("")
    assert _lint(capsys, str(config))[0] == 0


# --- cycles between apps -----------------------------------------------------------------

# The pairs of apps that import each other today (directly or around a longer loop), each
# reviewed: the API assembly and its routers, the policy package and the models it reads,
# the casework trio (cases, people, consultations) reading each other, audit's
# screens over casework, places and programmes sharing sessions. A new pair fails the test
# below: break the loop (move the import down a layer) rather than add it here.
_KNOWN_LOOPS: dict[str, str] = {
    "accounts": "tenancy",
    "tenancy": "accounts",
    "api": "cases consultations network people places programmes reports supporters surveys",
    "audit": "cases consultations people policy",
    # cases -> places: the case page's sessions (cases.selectors -> places.selectors)
    "cases": "api audit consultations network people places policy",
    "consultations": "api audit cases people policy",
    "network": "api audit cases people policy reports",
    "people": "api audit cases policy",
    "places": "api audit people policy programmes reports",
    "policy": "audit cases consultations network people places programmes supporters surveys",
    "programmes": "api audit people places policy",
    # reports -> cases, programmes, supporters: the committee dashboard (reports.dashboard)
    "reports": "api cases consultations network people places policy programmes supporters",
    "supporters": "api audit cases people places policy programmes",
    "surveys": "api policy",
}
KNOWN_CYCLIC_EDGES = {(a, b) for a, targets in _KNOWN_LOOPS.items() for b in targets.split()}


# As in the contracts: the key rotation command is run, never imported (pyproject.toml).
SCRIPTS = {"tsunagu.core.management.commands.rotate_keys"}


def cyclic_edges(graph: grimp.ImportGraph) -> set[tuple[str, str]]:
    """App-level imports (a, b) where b also reaches a: the edges of loops between apps."""
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        parts = module.split(".")
        if len(parts) < 2 or module in SCRIPTS:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            target = imported.split(".")
            if len(target) >= 2 and target[1] != parts[1]:
                edges.setdefault(parts[1], set()).add(target[1])

    def reaches(start: str, goal: str) -> bool:
        seen, todo = {start}, [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    return {(a, b) for a, targets in edges.items() for b in targets if reaches(b, a)}


def test_no_new_cycle_between_apps() -> None:
    found = cyclic_edges(grimp.build_graph("tsunagu", cache_dir=None))
    assert found - KNOWN_CYCLIC_EDGES == set(), "a new loop between apps"
    # A loop broken for good comes off the list, so it cannot come back unnoticed.
    assert KNOWN_CYCLIC_EDGES - found == set(), "no longer a loop: remove it from the list"


def test_a_new_cycle_between_apps_is_caught() -> None:
    graph = grimp.build_graph("tsunagu", cache_dir=None)
    # surveys reads nothing of places today; places' views import survey code here.
    graph.add_import(importer="tsunagu.surveys.selectors", imported="tsunagu.places.models")
    graph.add_import(importer="tsunagu.places.views", imported="tsunagu.surveys.selectors")
    assert {("surveys", "places"), ("places", "surveys")} <= cyclic_edges(graph) - (
        KNOWN_CYCLIC_EDGES
    )


def test_every_app_has_its_place_in_the_layer_order() -> None:
    """A new app is placed in the layers contract, or it would escape every layer check."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    placed = {
        name.strip().split(".")[1]
        for layer in layers
        for name in layer.replace("|", ":").split(":")
        if name.strip()
    }
    apps = {p.parent.name for p in (ROOT / "tsunagu").glob("*/__init__.py")}
    assert apps - placed == set(), "add these apps to the layers contract in pyproject.toml"
