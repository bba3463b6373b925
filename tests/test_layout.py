"""The package's shape: stages import one way, the align stage starts without torch."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "filmcolor"


def _imports(path: Path) -> set[str]:
    """Package modules a module imports at its top level (lazy imports inside functions
    excluded)."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found.update([node.module] if node.module else [a.name for a in node.names])
    return {m for m in found if (PACKAGE / f"{m}.py").exists()}


def test_no_import_circle():
    graph = {p.stem: _imports(p) for p in PACKAGE.glob("*.py")}
    done, active = set(), []

    def visit(m):
        assert m not in active, f"import circle: {' -> '.join(active[active.index(m) :] + [m])}"
        if m in done:
            return
        active.append(m)
        for dep in graph[m]:
            visit(dep)
        active.pop()
        done.add(m)

    for m in graph:
        visit(m)


def test_align_and_the_package_start_without_torch_or_lightning():
    code = (
        "import sys, filmcolor, filmcolor.alignment, filmcolor.cli; filmcolor.AlignSettings; "
        "print(sorted(m for m in ('torch', 'pytorch_lightning', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_no_source_file_over_400_lines():
    root = PACKAGE.parent
    long = {
        str(p.relative_to(root)): n
        for p in [
            *root.glob("filmcolor/*.py"),
            *root.glob("pipelines/*.py"),
            *root.glob("tests/*.py"),
        ]
        if (n := len(p.read_text().splitlines())) > 400
    }
    assert not long
