"""Every example in every docstring runs and prints what it says.

Modules are found with pkgutil, so a new module under autograd/ or nn/ is
covered without touching this file.  A module whose import needs an optional
package that is not installed (torch, say) is skipped with the reason; a module
that fails to import for any other reason fails.
"""
import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ["autograd", "nn"]


def discover_modules() -> list[str]:
    names = []
    for package_name in PACKAGES:
        try:
            package = importlib.import_module(package_name)
        except ModuleNotFoundError as exc:
            if exc.name != package_name:
                raise
            continue  # the package does not exist (yet)
        names.append(package_name)
        names.extend(info.name for info in pkgutil.walk_packages(package.__path__, package_name + "."))
    return sorted(names)


def import_or_skip(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing.split(".")[0] in PACKAGES:
            raise  # one of our own modules is missing: a real error
        pytest.skip(f"{name} needs the optional package {missing!r}, which is not installed")


@pytest.mark.parametrize("name", discover_modules())
def test_doctests_pass(name):
    module = import_or_skip(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctest examples failed in {name}"


def test_the_engine_modules_are_discovered():
    found = set(discover_modules())
    for name in ("autograd", "autograd.value", "autograd.ops", "autograd.backward",
                 "autograd.gradcheck", "autograd.nary"):
        assert name in found
