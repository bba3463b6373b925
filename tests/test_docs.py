"""The docs a reader has: no developer's machine in them, no lab notebook, within their lengths,
and every link, picture and anchor they (and the code's help) name is there."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]

# Words, as wc -w counts them: the README is read first, a guide in one sitting.
LIMITS = {"README.md": 1200} | {
    f"docs/{name}.md": 2500
    for name in (
        "align",
        "train",
        "render",
        "evaluate",
        "walkthrough",
        "glossary",
        "formats",
        "troubleshooting",
    )
}
# Folders of a developer's machine, which no reader has.
MACHINE = re.compile(r"/work/|/home/|/tmp/|/Users/|[A-Za-z]:\\\\|[A-Za-z]:\\(?=\w)")
# How a lab notebook speaks: of its sessions and stops, of what was before and is now, and of
# scripts that are not in the repository. What changed and when goes to CHANGELOG.md.
LAB = re.compile(
    r"\bsessions?\b|\bthis stop\b|\b(?:earlier|later|two|last) stops?\b|\bstop's\b"
    r"|\((?:before|now)\)|\bbefore and now\b|\bbefore\s*/\s*now\b|\|\s*before\s*\|"
    r"|\bthis round\b|\bresearch (?:scripts?|notes|runs?)\b"
    r"|\b(?:floor|gam2|space|unmix)\.py\b|\bscratch folders?\b",
    re.I,
)


def _rel(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def _prose(page: Path) -> str:
    """The page without its generated option tables (their text is the command line's help)."""
    return re.sub(r"<!-- options: \w+ -->.*?<!-- end options -->", "", page.read_text(), flags=re.S)


def _anchors(page: Path) -> set[str]:
    """The anchors GitHub makes of a page's headings, and its explicit ids."""
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    found: set[str] = set(re.findall(r'<a id="([^"]+)"', text))
    for heading in re.findall(r"^#{1,6} +(.+?) *$", text, flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        n, base = 1, slug
        while slug in found:
            slug, n = f"{base}-{n}", n + 1
        found.add(slug)
    return found


@pytest.mark.parametrize("page", PAGES, ids=_rel)
def test_no_machine_paths_or_lab_words(page):
    for number, line in enumerate(page.read_text().splitlines(), 1):
        assert not MACHINE.search(line), f"{_rel(page)}:{number}: a machine's path: {line.strip()}"
        found = LAB.search(line)
        assert not found, f"{_rel(page)}:{number}: lab words ({found.group(0)!r}): {line.strip()}"


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_pages_within_their_length(name):
    words = len((ROOT / name).read_text().split())
    assert words <= LIMITS[name], f"{name}: {words} words, more than {LIMITS[name]}"


def test_every_guide_is_there_and_the_readme_links_them():
    readme = (ROOT / "README.md").read_text()
    for name in LIMITS:
        if name.startswith("docs/"):
            assert (ROOT / name).exists(), f"{name} is missing"
            assert f"({name})" in readme, f"README.md does not link {name}"


def test_the_readme_states_the_test_command_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    for command in re.findall(r"^(make \w+)$", ci, flags=re.M):
        assert command in readme, f"README.md does not say `{command}`, which .ci/run runs"


@pytest.mark.parametrize("page", PAGES, ids=_rel)
def test_links_pictures_and_anchors_resolve(page):
    for target in re.findall(r"\]\(([^)\s]+)\)", _prose(page)):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        assert file.exists(), f"{_rel(page)}: links {target}, which is not there"
        if file.suffix.lower() in {".png", ".jpg", ".jpeg"}:
            assert file.stat().st_size < 300_000, f"{target}: a picture of over 300 kB"
        if anchor and file.suffix == ".md":
            assert anchor in _anchors(file), f"{_rel(page)}: no #{anchor} in {path or page.name}"


def test_the_docs_the_code_names_are_there():
    for source in [*(ROOT / "filmcolor").rglob("*.py"), *(ROOT / "pipelines").rglob("*.py")]:
        for path, anchor in re.findall(r"docs/([a-z_]+\.md)(?:#([a-z0-9-]+))?", source.read_text()):
            assert (DOCS / path).exists(), f"{_rel(source)} names docs/{path}, which is not there"
            if anchor:
                assert anchor in _anchors(DOCS / path), f"{_rel(source)}: no #{anchor} in {path}"
