"""One exception family per library, all below genolake_core.errors.GenoLakeError (issue #14).

The CLI maps the families to exit codes and lets anything else show its traceback, so an error class
outside its family would turn a refused input into a crash report, and two classes with one name make
`except` clauses ambiguous.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import pytest
from genolake_annotation.errors import AnnotationError
from genolake_api.errors import ApiError
from genolake_core.errors import GenoLakeError
from genolake_prs.errors import PrsError

FAMILIES: dict[str, type[Exception]] = {
    "genolake_core": GenoLakeError,
    "genolake_annotation": AnnotationError,
    "genolake_prs": PrsError,
    "genolake_api": ApiError,  # each with its HTTP status (problems.py)
    "genolake_cli": GenoLakeError,  # StackError, BackupError: the CLI's root group maps them to exit 1
}


def _modules(package: str) -> list[ModuleType]:
    root = importlib.import_module(package)
    names = [info.name for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}.")]
    return [root, *(importlib.import_module(name) for name in names)]


def _error_classes(package: str) -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for module in _modules(package):
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == module.__name__:
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return list(found.values())


@pytest.mark.parametrize("package", sorted(FAMILIES))
def test_every_error_of_a_library_is_in_its_family(package: str) -> None:
    classes = _error_classes(package)
    assert classes, f"no error classes found in {package}"
    outside = [f"{c.__module__}.{c.__qualname__}" for c in classes if not issubclass(c, FAMILIES[package])]
    assert outside == []
    assert all(issubclass(family, GenoLakeError) for family in FAMILIES.values())


def test_error_class_names_are_unique_across_libraries() -> None:
    seen: dict[str, str] = {}
    repeated = []
    for package in sorted(FAMILIES):
        for cls in _error_classes(package):
            where = f"{cls.__module__}.{cls.__qualname__}"
            if cls.__name__ in seen:
                repeated.append((seen[cls.__name__], where))
            seen[cls.__name__] = where
    assert repeated == []
