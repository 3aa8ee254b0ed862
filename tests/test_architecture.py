"""The shape of the code: installed packages that cannot collide with a user's files."""
import subprocess
import sys
from pathlib import Path

from ogi.data import SAMPLES_DIR


def test_import_and_build_from_a_folder_holding_data_extract_normalize_py(tmp_path):
    """A researcher's folder with data.py, extract.py and normalize.py must not shadow ogi's own
    packages (they are installed as ogi.data, ogi.extract, ogi.normalize)."""
    for name in ("data", "extract", "normalize"):
        (tmp_path / f"{name}.py").write_text("raise ImportError('the user\\'s own module was imported')\n")
    sample = sorted(SAMPLES_DIR.glob("gen-2021-basic.docx"))[0]
    script = (
        "import ogi\n"
        f"reports, values = ogi.build_dataset([{str(sample)!r}])\n"
        "print(len(reports), len(values))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    n_reports, n_values = map(int, done.stdout.split())
    assert n_reports == 1 and n_values > 100


def test_only_ogi_is_a_top_level_package():
    """setup.cfg maps the repository's folders under ogi.*; no other top-level name is installed."""
    text = (Path(__file__).resolve().parents[1] / "setup.cfg").read_text()
    packages = text.split("packages =", 1)[1].split("include_package_data", 1)[0].split()
    assert packages and all(p == "ogi" or p.startswith("ogi.") for p in packages)


# ---------------------------------------------------------------- the import graph

REPO = Path(__file__).resolve().parents[1]
PACKAGE_DIRS = {"ogi": REPO / "ogi", "ogi.extract": REPO / "extract", "ogi.normalize": REPO / "normalize",
                "ogi.data": REPO / "data"}


def _modules() -> dict[str, Path]:
    """Module name → file, for every module of the installed packages."""
    out = {}
    for package, folder in PACKAGE_DIRS.items():
        for path in folder.rglob("*.py"):
            rel = path.relative_to(folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            if any(p in ("samples",) for p in parts):
                continue
            # ogi/ holds the other packages' names only through PACKAGE_DIRS
            out[".".join([package, *parts])] = path
    return out


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules one module imports, at any depth in its code (imports inside functions too)."""
    import ast
    is_package = path.name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            root = base[:len(base) - node.level + 1] if node.level else []
            stem = ".".join(root + ([node.module] if node.module else []))
            targets = [stem] + [f"{stem}.{a.name}" for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def _is_parent_package(a: str, b: str) -> bool:
    return b.startswith(a + ".") or a.startswith(b + ".")


def test_no_import_loop_between_modules():
    """A package's __init__ may re-export its modules; modules that are not parent and child never
    import each other in a loop (hidden or not by an import inside a function)."""
    modules = _modules()
    graph = {name: {t for t in _imports(name, path, set(modules)) if not _is_parent_package(name, t)}
             for name, path in modules.items()}
    assert _cycles(graph) == []


# ---------------------------------------------------------------- the walls

def _string_literals(path: Path):
    """(line, text) of every string literal that is not a docstring."""
    import ast
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_no_chinese_string_literal_in_extract():
    """extract/ knows file formats, not the template: every Chinese word it needs is given to it.
    extract/printed.py alone holds how numbers are printed (units, the words for "none")."""
    import re
    cjk = re.compile(r"[\u3400-\u9fff]")
    found = [f"{path.relative_to(REPO)}:{line}: {text!r}"
             for path in sorted((REPO / "extract").rglob("*.py")) if path.name != "printed.py"
             for line, text in _string_literals(path) if cjk.search(text)]
    assert found == []


def test_every_data_file_is_read_by_code():
    code = "\n".join(p.read_text(encoding="utf-8") for d in ("ogi", "normalize", "extract")
                     for p in (REPO / d).rglob("*.py"))
    unread = [p.name for p in sorted((REPO / "data").iterdir()) if p.is_file() and p.suffix in (".csv", ".txt")
              and p.name not in code]
    assert unread == []


def test_every_labels_row_belongs_to_a_table_or_section_the_code_reads():
    """labels.csv rows are read by the label index of t2/t3/t4 or by the section finder; a row of any
    other kind would be read by no code."""
    from ogi.normalize.schema import labels
    from ogi.normalize.sections import NUMERALS
    for lab in labels():
        assert lab.table in ("heading", "t2", "t3", "t4"), f"data/labels.csv line {lab.line}: {lab.table}"
        if lab.table == "heading":
            assert lab.canonical_path[:1] in NUMERALS, f"data/labels.csv line {lab.line}"
