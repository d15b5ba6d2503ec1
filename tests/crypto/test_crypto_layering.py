"""Architecture rules of crypto/: layering, banned constructs, public API, size limits."""

from __future__ import annotations

import ast
import pathlib

import pytest

import crypto

PACKAGE = pathlib.Path(crypto.__file__).parent
MODULES = sorted(PACKAGE.glob("*.py"))


def _imports(path: pathlib.Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_layering_rules_see_every_module() -> None:
    assert {p.name for p in MODULES} >= {"__init__.py", "_primitives.py", "_fields.py"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_only_primitives_imports_hazmat_or_pyca_internals(path: pathlib.Path) -> None:
    pyca = {n for n in _imports(path) if n.startswith("cryptography")}
    if path.name == "_primitives.py":
        assert any(n.startswith("cryptography.hazmat") for n in pyca)
    else:
        assert pyca == set()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_crypto_never_imports_the_application_the_database_or_settings(path: pathlib.Path) -> None:
    forbidden = ("helpline", "sqlalchemy", "starlette", "random", "pickle")
    for name in _imports(path):
        assert name.split(".")[0] not in forbidden, name


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_banned_algorithms_or_settings_reads(path: pathlib.Path) -> None:
    source = path.read_text()
    for banned in ("Fernet", "ECB", "CBC", "md5", "sha1", "SHA1", "getenv", "os.environ"):
        assert banned not in source, banned


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_modules_stay_under_400_lines_and_functions_under_30(path: pathlib.Path) -> None:
    source = path.read_text()
    assert source.count("\n") <= 400
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body[1:] if ast.get_docstring(node) else node.body
            length = body[-1].end_lineno - body[0].lineno + 1  # type: ignore[operator]
            assert length <= 30, f"{path.name}:{node.name} has {length} lines"


def test_public_api_is_exactly_what_init_exports() -> None:
    for name in crypto.__all__:
        assert hasattr(crypto, name), name
    public = {n for n in vars(crypto) if not n.startswith("_")}
    modules = {n for n in public if isinstance(getattr(crypto, n), type(crypto))}
    assert public - modules - {"annotations"} == set(crypto.__all__)


def test_module_docstring_states_guarantees_and_non_guarantees() -> None:
    doc = crypto.__doc__ or ""
    for phrase in ("Guarantees", "Non-guarantees", "length", "equality", "compromised running"):
        assert phrase in doc, phrase
