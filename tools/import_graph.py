"""The module import graph of one package, and its cycles.

    python tools/import_graph.py scraping [--forbid django,leadengine] [--root DIR]

Reads every module of the package with `ast` (nothing is imported or run) and prints one line per
module: the modules of the same package it imports. Every import counts: at module level, inside
functions, under `if TYPE_CHECKING:`. `from package import name` is an edge to the submodule
`package.name` when there is one, else to `package`. Importing a submodule also runs its parent
package's `__init__`, but that is not counted as an edge: a package that re-exports its
submodules is not a cycle with them.

Exits 1, after printing each cycle (`a -> b -> a`), when the graph has one, or when a module imports
a top-level package named by `--forbid` (the scraping layer must not import Django or the job layer).
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module of the package (dotted name -> file); a package is its `__init__.py`."""
    modules = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of a dotted name that is a module of the package."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _imported_names(module: str, path: Path, tree: ast.AST) -> list[tuple[str, list[str], int]]:
    """(absolute module, names taken from it, line) for every import statement of a module."""
    is_package = path.name == "__init__.py"
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, [], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                drop = node.level - 1 if is_package else node.level
                base = base[: len(base) - drop] if drop else base
                absolute = ".".join(base + ([node.module] if node.module else []))
            else:
                absolute = node.module or ""
            found.append((absolute, [alias.name for alias in node.names], node.lineno))
    return found


def build_graph(
    root: Path, package: str, forbid: frozenset[str] = frozenset()
) -> tuple[dict[str, set[str]], list[str]]:
    """(module -> the package's modules it imports, forbidden imports as messages)."""
    modules = module_names(root, package)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    forbidden = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for absolute, names, line in _imported_names(module, path, tree):
            top = absolute.split(".", 1)[0]
            if top in forbid:
                forbidden.append(f"forbidden: {module} imports {absolute} ({path}:{line})")
                continue
            if top != package:
                continue
            submodules = {f"{absolute}.{name}" for name in names} & modules.keys()
            targets = set(submodules)
            if len(submodules) < len(names) or not names:
                targets.add(_known(absolute, modules))  # names defined in the module itself
            graph[module].update(target for target in targets if target and target != module)
    return graph, forbidden


def cycles(graph: dict[str, set[str]]) -> list[tuple[list[str], list[str]]]:
    """(one cycle a -> ... -> a, every module of its group) for each group of modules that import
    each other, directly or through others (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [(_cycle_in(graph, group), group) for group in groups]


def _cycle_in(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """A shortest path from the group's first module back to itself, within the group."""
    start = group[0]
    members = set(group)
    paths = {target: [start, target] for target in sorted(graph[start]) if target in members}
    queue = list(paths)
    while start not in paths:
        node = queue.pop(0)
        for target in sorted(graph[node]):
            if target in members and target not in paths:
                paths[target] = paths[node] + [target]
                queue.append(target)
    return paths[start]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("package", help="top-level package, e.g. scraping or leadengine")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--forbid", default="", help="comma-separated top-level packages not to import")
    args = parser.parse_args(argv)
    if not (args.root / args.package / "__init__.py").is_file():
        parser.error(f"no package {args.package!r} under {args.root}")
    forbid = frozenset(name.strip() for name in args.forbid.split(",") if name.strip())
    graph, forbidden = build_graph(args.root, args.package, forbid)
    for module in sorted(graph):
        print(f"{module} -> {', '.join(sorted(graph[module])) or '(nothing)'}")
    found = cycles(graph)
    for cycle, group in found:
        print("cycle: " + " -> ".join(cycle))
        if len(group) > len(cycle) - 1:
            print(f"  in a group of {len(group)} modules that import each other: {', '.join(group)}")
    for message in forbidden:
        print(message)
    if not found:
        print("no cycle")
    return 1 if found or forbidden else 0


if __name__ == "__main__":
    sys.exit(main())
