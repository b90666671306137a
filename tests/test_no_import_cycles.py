"""No import circles inside any package of yiwang.

What is checked, exactly: grimp builds the graph of every import in `yiwang` (module
level and inside functions alike, since a deferred import is still a dependency;
imports under `if TYPE_CHECKING:` are left out, they never run). Then, for every
package P (yiwang itself, each app, each sub-package such as `credit.services`), the
nodes are P's `__init__` and P's direct children, each child standing for itself and
everything below it; an import from anything in child A of anything in child B is an
edge A -> B. The test fails when that graph has a cycle (a strongly connected component
of two or more nodes), naming the package, the nodes, and one import per edge.

So `credit.services` -> `credit.demo` -> `credit.services` is a cycle (of the package
`credit`), as is `notify.services` <-> `notify.tasks`, or two apps importing each other
(of the package `yiwang`); an app's `__init__` importing its child while the child
imports the `__init__` is one too. A module importing its own descendants is not.
"""

from __future__ import annotations

import grimp


def _graph() -> grimp.ImportGraph:
    # No cache: the test must see the files as they are, and writes nothing.
    return grimp.build_graph("yiwang", exclude_type_checking_imports=True, cache_dir=None)


def _owner(package: str, module: str) -> str:
    if module == package:
        return package
    top = module[len(package) + 1 :].split(".", 1)[0]
    return f"{package}.{top}"


def _cycles(nodes: set[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of two or more nodes."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return found


def package_cycles(graph: grimp.ImportGraph) -> list[str]:
    """One line per cycle: the package, its nodes, and an import behind each edge."""
    problems = []
    for package in sorted(graph.modules):
        children = graph.find_children(package)
        if not children:
            continue
        members = {package} | graph.find_descendants(package)
        edges: dict[str, set[str]] = {}
        witness: dict[tuple[str, str], str] = {}
        for module in members:
            a = _owner(package, module)
            for imported in graph.find_modules_directly_imported_by(module):
                if imported not in members:
                    continue
                b = _owner(package, imported)
                if a != b:
                    edges.setdefault(a, set()).add(b)
                    witness.setdefault((a, b), f"{module} -> {imported}")
        for component in _cycles({package} | children, edges):
            inside = set(component)
            via = sorted(
                witness[(a, b)] for a in component for b in edges.get(a, ()) if b in inside
            )
            problems.append(f"{package}: {' , '.join(component)} (via {'; '.join(via)})")
    return problems


def test_no_import_cycle_inside_any_package() -> None:
    cycles = package_cycles(_graph())
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_check_sees_a_cycle() -> None:
    """The check itself: a circle added to the real graph is reported."""
    graph = _graph()
    graph.add_import(importer="yiwang.common.errors", imported="yiwang.common.audit")
    graph.add_import(importer="yiwang.common.audit", imported="yiwang.common.errors")
    found = package_cycles(graph)
    assert any(
        line.startswith("yiwang.common: ")
        and "yiwang.common.audit" in line
        and "yiwang.common.errors" in line
        for line in found
    ), found
