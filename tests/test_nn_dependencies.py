"""nn's modules depend on each other in one direction: no circle, no model module reaching the bridge.

Read from the source with ``ast``, so imports made inside functions count too.
"""
import ast
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NN = os.path.join(ROOT, "nn")
MODULES = {("nn" if name == "__init__.py" else f"nn.{name[:-3]}"): os.path.join(NN, name)
           for name in sorted(os.listdir(NN)) if name.endswith(".py")}
MODEL_MODULES = ["nn.module", "nn.layers", "nn.optim", "nn.losses", "nn.activations"]


def imports_of(module):
    """(imported nn module, imported names, inside a function?) for every import in ``module``."""
    with open(MODULES[module], encoding="utf-8") as file:
        tree = ast.parse(file.read())
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                found.extend((alias.name, [], nested) for alias in child.names
                             if alias.name.split(".")[0] == "nn")
            elif isinstance(child, ast.ImportFrom) and (child.module or "").split(".")[0] == "nn":
                names = [alias.name for alias in child.names]
                if child.module == "nn":   # from nn import optim: the submodules themselves
                    found.extend((f"nn.{name}", [], nested) for name in names)
                else:
                    found.append((child.module, names, nested))
            visit(child, nested)
    visit(tree, False)
    return found


def graph():
    return {module: {target for target, _, _ in imports_of(module)} for module in MODULES}


def test_no_nn_module_imports_another_inside_a_function():
    lazy = [(module, target) for module in MODULES
            for target, _, inside in imports_of(module) if inside]
    assert lazy == []


def test_the_nn_modules_import_each_other_without_a_circle():
    edges = graph()
    done, path = set(), []

    def walk(module):
        if module in path:
            pytest.fail("import circle: " + " -> ".join(path[path.index(module):] + [module]))
        if module in done:
            return
        path.append(module)
        for target in sorted(edges.get(module, ())):
            walk(target)
        path.pop()
        done.add(module)
    for module in MODULES:
        walk(module)


@pytest.mark.parametrize("module", MODEL_MODULES)
def test_no_model_module_imports_the_torch_bridge(module):
    reachable, todo = set(), [module]
    edges = graph()
    while todo:
        for target in edges.get(todo.pop(), ()):
            if target not in reachable:
                reachable.add(target)
                todo.append(target)
    assert "nn.torch_bridge" not in reachable
    assert "nn" not in reachable   # the package itself imports the bridge


def test_no_nn_module_imports_an_underscore_name_of_another():
    private = [(module, target, name) for module in MODULES
               for target, names, _ in imports_of(module) for name in names if name.startswith("_")]
    assert private == []
