"""The package's shape: a package per stage, stages import one way, align starts without torch."""

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "filmcolor"
# The stages in the order data flows through them; a stage imports only from those before it and
# from the shared modules at the top.
STAGES = ["io", "alignment", "dataset", "model", "evaluation", "training", "rendering"]
# The shared modules (filmcolor: its __version__), and the stages' registries: what a stage offers
# to choose among (field kinds, heads), declared once. A registry counts as a shared module of its
# own, so that settings offers its choices and the command line lists them without the stage.
REGISTRIES = {"filmcolor.alignment.kinds", "filmcolor.model.heads"}
SHARED = {"errors", "settings", "colour", "geometry", "filmcolor"} | REGISTRIES


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The package modules a module imports, anywhere in it (lazy imports in functions too)."""
    name = _name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            target = f"{base}.{node.module}" if node.module else base
            found.add(target)
            found.update(f"{target}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("filmcolor."))
    return found & MODULES.keys()


MODULES = {_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {m: _imports(p) - {m} for m, p in MODULES.items()}


def _part(module: str) -> str:
    """The sub-package (stage) a module belongs to, or the top-level module's or registry's own
    name."""
    if module in REGISTRIES:
        return module
    return module.split(".")[1] if module.count(".") else module


def _no_circle(graph: dict[str, set[str]]) -> None:
    done, active = set(), []

    def visit(m):
        assert m not in active, f"import circle: {' -> '.join(active[active.index(m) :] + [m])}"
        if m in done:
            return
        active.append(m)
        for dep in graph.get(m, ()):
            visit(dep)
        active.pop()
        done.add(m)

    for m in graph:
        visit(m)


def test_no_import_circle_between_modules():
    _no_circle(
        {m: {d for d in deps if not MODULES[d].name == "__init__.py"} for m, deps in GRAPH.items()}
    )


def test_no_import_circle_between_packages():
    graph: dict[str, set[str]] = {}
    for m, deps in GRAPH.items():
        graph.setdefault(_part(m), set()).update(_part(d) for d in deps if _part(d) != _part(m))
    _no_circle(graph)


def test_a_stage_imports_only_from_stages_before_it_and_the_shared_modules():
    for module, deps in GRAPH.items():
        stage = _part(module)
        if stage not in STAGES and stage not in SHARED:
            continue  # the top: the public API, the command line
        for dep in deps:
            other = _part(dep)
            allowed = other in SHARED or other == stage
            if stage in STAGES and other in STAGES:
                allowed = STAGES.index(other) <= STAGES.index(stage)
            if stage in SHARED:
                allowed = other in SHARED
            assert allowed, f"{module} ({stage}) imports {dep} ({other})"


@pytest.mark.parametrize("root", [PACKAGE, ROOT / "pipelines"], ids=["filmcolor", "pipelines"])
def test_every_package_lists_its_modules_and_packages(root):
    for init in root.rglob("__init__.py"):
        name = _name(init)
        doc = importlib.import_module(name).__doc__ or ""
        inside = [p for p in init.parent.glob("*.py") if p.stem not in ("__init__", "__main__")]
        inside += [p for p in init.parent.iterdir() if (p / "__init__.py").is_file()]
        for path in inside:
            assert f"``{path.stem}``" in doc, f"{name} omits {path.stem}"


def test_a_registry_and_its_package_load_no_stage():
    """Importing a registry runs its package's ``__init__``: that imports nothing either."""
    for registry in REGISTRIES:
        package = registry.rpartition(".")[0]
        assert GRAPH[package] == set(), f"{package} imports {GRAPH[package]}"


@pytest.mark.parametrize(
    "modules",
    ["filmcolor, filmcolor.cli", "filmcolor.alignment.aligner", "filmcolor.io.video"],
)
def test_align_and_the_package_start_without_torch_or_lightning(modules):
    code = (
        f"import sys, {modules}; import filmcolor; filmcolor.AlignSettings; "
        "print(sorted(m for m in ('torch', 'pytorch_lightning', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "[]"


def test_no_source_file_over_400_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for folder in ("filmcolor", "pipelines", "tests")
        for p in (ROOT / folder).rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 400
    }
    assert not long


def test_test_files_have_names_of_their_own():
    """pytest imports test modules by their file name: two alike in different folders clash."""
    names = [p.name for p in (ROOT / "tests").rglob("*.py") if p.name != "__init__.py"]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
