"""One direction of dependence: every import of autograd/ and nn/, read from the source.

Each module of ``autograd`` sits in a layer (the list in ``autograd/__init__.py``)
and imports only from layers below it.  Imports made inside functions count
too: the only lazy imports allowed are of the optional heavy dependencies
(graphviz, matplotlib, torch) and ``Value.backward()`` calling into the backward
module.  No module imports another module's underscore name, nor assigns to
another module's globals, and neither package has an import circle.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("autograd", "nn")

# autograd's layers, lowest first; a module may import from a lower number only.
AUTOGRAD_LAYERS = {
    "language": 0, "ops": 0,
    "value": 1,
    "nary": 2,
    "backward": 3,
    "learner_warnings": 4, "gradcheck": 4, "tape": 4,
    "notation": 5,
    "check": 6,
    "graph": 7, "steps": 7,
    "frames": 8, "explain": 8,
    "__init__": 9,
}
# The one upward import: Value.backward() is the backward module's function.
ALLOWED_UPWARD = {("autograd.value", "autograd.backward")}
LAZY_ALLOWED = ("graphviz", "matplotlib", "torch", "IPython", "tqdm")
# nn's model modules never import the PyTorch export, not even inside a function.
MODEL_MODULES = ("nn.module", "nn.layers", "nn.optim", "nn.losses", "nn.activations")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> dict[str, ast.Module]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return found


MODULES = sources()


def resolve(name: str) -> str | None:
    """The project module an imported name lives in (``autograd.backward.grad`` ->
    ``autograd.backward``), or None for the standard library and third parties."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports(tree: ast.Module, here: str):
    """(module imported, names taken from it, made inside a function?, line) for each import."""
    package = here if here in PACKAGES else here.rpartition(".")[0]
    result = []

    def visit(node, in_function: bool):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    result.append((alias.name, (), inside, child.lineno))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base = ".".join(package.split(".")[:len(package.split(".")) - child.level + 1]
                                    + ([base] if base else []))
                for alias in child.names:
                    # ``from autograd import ops`` imports the module autograd.ops
                    target = f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                    result.append((target, (alias.name,), inside, child.lineno))
            visit(child, inside)

    visit(tree, False)
    return result


def edges() -> list[tuple[str, str, tuple, bool, int]]:
    out = []
    for here, tree in MODULES.items():
        for target, names, lazy, line in imports(tree, here):
            out.append((here, target, names, lazy, line))
    return out


EDGES = edges()


def internal_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for here, target, _, _, _ in EDGES:
        there = resolve(target)
        if there and there != here and (here, there) not in ALLOWED_UPWARD:
            # a package's __init__ importing its own modules is the package, not a circle
            if here in PACKAGES and there.startswith(here + "."):
                continue
            graph[here].add(there)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    for start in graph:
        if start in state:
            continue
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            for child in children:
                if state.get(child) == 1:
                    return path[path.index(child):] + [child]
                if child not in state:
                    state[child] = 1
                    stack.append((child, iter(sorted(graph.get(child, ())))))
                    path.append(child)
                    break
            else:
                stack.pop()
                path.pop()
                state[node] = 2
    return None


def test_the_check_reads_every_module_and_finds_imports_inside_functions():
    assert {"autograd.value", "autograd.ops", "nn.layers", "nn.train"} <= set(MODULES)
    lazy = {(here, resolve(target)) for here, target, _, is_lazy, _ in EDGES if is_lazy}
    assert ("autograd.value", "autograd.backward") in lazy  # Value.backward()


def test_the_cycle_finder_finds_a_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_circle_in_autograd_or_nn():
    cycle = find_cycle(internal_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_every_autograd_module_has_a_layer():
    names = {m.rpartition(".")[2] if m != "autograd" else "__init__"
             for m in MODULES if m.split(".")[0] == "autograd"}
    assert names == set(AUTOGRAD_LAYERS)


def test_autograd_modules_import_only_from_layers_below():
    def layer(module: str) -> int:
        return AUTOGRAD_LAYERS["__init__" if module == "autograd" else module.rpartition(".")[2]]

    wrong = []
    for here, target, _, _, line in EDGES:
        there = resolve(target)
        if not here.startswith("autograd") or there is None or there == here:
            continue
        if here == "autograd" and there.startswith("autograd."):
            continue  # the package gathers its modules
        if (here, there) in ALLOWED_UPWARD:
            continue
        if not there.startswith("autograd") or layer(there) >= layer(here):
            wrong.append(f"{here}:{line} imports {there}")
    assert not wrong, "\n".join(wrong)


def test_lazy_imports_are_only_of_heavy_optional_dependencies():
    wrong = []
    for here, target, _, lazy, line in EDGES:
        if not lazy or (here, resolve(target)) in ALLOWED_UPWARD:
            continue
        if resolve(target) is not None or not target.startswith(LAZY_ALLOWED):
            wrong.append(f"{here}:{line} imports {target} inside a function")
    assert not wrong, "\n".join(wrong)


def test_no_underscore_name_is_imported_across_modules():
    wrong = [f"{here}:{line} imports {name} from {target}"
             for here, target, names, _, line in EDGES if resolve(target) not in (None, here)
             for name in names if name.startswith("_")]
    assert not wrong, "\n".join(wrong)


def global_writes(tree: ast.Module, here: str) -> list[str]:
    """Assignments to an attribute of an imported module (``backward.last = ...``)."""
    modules_bound = set()
    for target, names, _, _ in imports(tree, here):
        if names and target in MODULES and target.endswith("." + names[0]):
            modules_bound.add(names[0])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules_bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
    wrong = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else [])
        for t in targets:
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) \
                    and t.value.id in modules_bound:
                wrong.append(f"{here}:{node.lineno} assigns {t.value.id}.{t.attr}")
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setattr" \
                and node.args and isinstance(node.args[0], ast.Name) \
                and node.args[0].id in modules_bound:
            wrong.append(f"{here}:{node.lineno} setattr on module {node.args[0].id}")
    return wrong


def test_the_global_write_check_finds_one():
    tree = ast.parse("from autograd import backward\nimport sys\nbackward.x = 1\n"
                     "setattr(sys, 'y', 2)\n")
    assert len(global_writes(tree, "nn.demo")) == 2


def test_no_module_writes_another_modules_globals():
    wrong = [w for here, tree in MODULES.items() for w in global_writes(tree, here)]
    assert not wrong, "\n".join(wrong)


# A Value's slots behind data, parents and local_grads, and its change stamps: read and
# written directly only by the node makers and the backward walk (for speed); everyone
# else goes through the properties, whose setters check a change made by hand.
VALUE_SLOTS = {"_data", "_parents", "_local_grads", "_made_at", "_changed_at"}
SLOT_READERS = {"autograd.value", "autograd.nary", "autograd.backward"}


def slot_uses(tree: ast.Module, here: str) -> list[str]:
    return [f"{here}:{node.lineno} uses .{node.attr}" for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr in VALUE_SLOTS]


def test_the_slot_check_finds_one():
    assert slot_uses(ast.parse("x._parents = ()\ny = v._data\n"), "nn.demo") == [
        "nn.demo:1 uses ._parents", "nn.demo:2 uses ._data"]


def test_only_the_node_makers_and_the_walk_touch_a_values_slots():
    wrong = [use for here, tree in MODULES.items() if here not in SLOT_READERS
             for use in slot_uses(tree, here)]
    assert not wrong, "\n".join(wrong)


def test_the_engine_knows_nothing_of_networks_or_drawing_libraries():
    wrong = []
    core = ("autograd.ops", "autograd.value", "autograd.nary", "autograd.backward")
    for here, target, _, _, line in EDGES:
        if here.startswith("autograd") and target.split(".")[0] == "nn":
            wrong.append(f"{here}:{line} imports {target}")
        if here in core and target.split(".")[0] in ("graphviz", "matplotlib", "torch"):
            wrong.append(f"{here}:{line} imports {target}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("model_module", MODEL_MODULES)
def test_model_modules_never_import_the_torch_export(model_module):
    assert model_module in MODULES
    imported = {resolve(t) or t for h, t, _, _, _ in EDGES if h == model_module}
    assert "nn.torch_bridge" not in imported
    assert not any(t.split(".")[0] == "torch" for t in imported)
