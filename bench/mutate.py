"""A small mutation tester: flip one operator or constant of a module at a time, run the
tests that should notice, and count the mutants they kill.

    python bench/mutate.py src/yiwang/cases/clock.py tests/cases/test_clock.py [...]
        [--limit 60] [--timeout 120] [--list]

Mutations (one per mutant, in functions only, never in docstrings): comparison operators
(< <=, > >=, == !=, in / not in), arithmetic (+ -, * //, // *), integer constants
(n -> n + 1, and 0 <-> 1), booleans (True <-> False, and <-> or), `not x` -> `x`,
and `max`/`min` swapped. The module file is rewritten in place for each run (from its
AST, so comments vanish in the mutant) and restored afterwards, also on Ctrl-C.

Why not mutmut: it needs its own runner configuration and copies the tree; this runs
the project's own pytest, sequentially and under `nice`, and prints the survivors with
their line so a test can be written for each. The tests run on SQLite (the variable
YIWANG_DATABASE_URL is removed) because each mutant creates a fresh test database.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_CMP_SWAP: dict[type, type] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_BIN_SWAP: dict[type, type] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
    ast.Div: ast.Mult,
    ast.Mod: ast.FloorDiv,
}


@dataclass(frozen=True)
class Mutant:
    number: int
    line: int
    what: str
    source: str


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _in_functions(tree: ast.Module, functions: frozenset[str]) -> Iterator[ast.AST]:
    """The nodes inside function bodies (only those named in `functions`, if any), and
    the integer constants of module-level assignments (the limits of a rule)."""
    for stmt in tree.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and not functions:
            for node in ast.walk(stmt):
                if isinstance(node, ast.Constant) and type(node.value) is int:
                    yield node
    for top in ast.walk(tree):
        if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if functions and top.name not in functions:
                continue
            for stmt in top.body:
                yield from ast.walk(stmt)


def _points(tree: ast.Module, functions: frozenset[str]) -> list[tuple[ast.AST, int, str]]:
    """(node, variant, description) for every mutation point, in source order."""
    docs = _docstring_nodes(tree)
    seen: set[int] = set()
    points: list[tuple[ast.AST, int, str]] = []
    for node in _in_functions(tree, functions):
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in _CMP_SWAP:
                    new = _CMP_SWAP[type(op)].__name__
                    points.append((node, i, f"{type(op).__name__} -> {new}"))
        elif isinstance(node, ast.BinOp) and type(node.op) in _BIN_SWAP:
            points.append(
                (node, 0, f"{type(node.op).__name__} -> {_BIN_SWAP[type(node.op)].__name__}")
            )
        elif isinstance(node, ast.AugAssign) and type(node.op) in _BIN_SWAP:
            points.append(
                (node, 0, f"{type(node.op).__name__}= -> {_BIN_SWAP[type(node.op)].__name__}=")
            )
        elif isinstance(node, ast.BoolOp):
            points.append((node, 0, "and <-> or"))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            points.append((node, 0, "not x -> x"))
        elif isinstance(node, ast.Constant) and id(node) not in docs:
            if isinstance(node.value, bool):
                points.append((node, 0, f"{node.value} -> {not node.value}"))
            elif isinstance(node.value, int):
                points.append((node, 0, f"{node.value} -> {node.value + 1}"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("max", "min")
        ):
            points.append(
                (node, 0, f"{node.func.id} -> {'min' if node.func.id == 'max' else 'max'}")
            )
    return points


def _apply(node: ast.AST, variant: int) -> None:
    if isinstance(node, ast.Compare):
        node.ops[variant] = _CMP_SWAP[type(node.ops[variant])]()
    elif isinstance(node, (ast.BinOp, ast.AugAssign)):
        node.op = _BIN_SWAP[type(node.op)]()
    elif isinstance(node, ast.BoolOp):
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif isinstance(node, ast.UnaryOp):
        node.op = ast.UAdd()  # +x of a bool is an int of the same truth: `not` removed
    elif isinstance(node, ast.Constant):
        node.value = (not node.value) if isinstance(node.value, bool) else node.value + 1
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        node.func.id = "min" if node.func.id == "max" else "max"


def mutants(path: Path, functions: frozenset[str] = frozenset()) -> list[Mutant]:
    original = path.read_text()
    tree = ast.parse(original)
    result = []
    for number, (_, variant, what) in enumerate(_points(tree, functions), 1):
        copy_tree = copy.deepcopy(tree)
        node = _points(copy_tree, functions)[number - 1][0]
        line = getattr(node, "lineno", 0)
        _apply(node, variant)
        result.append(Mutant(number, line, what, ast.unparse(copy_tree) + "\n"))
    return result


def _workspace(root: Path) -> Path:
    """A copy of the project's sources and tests to mutate, so the working tree (and any
    test run in it meanwhile) never sees a mutant."""
    work = Path(tempfile.mkdtemp(prefix="yiwang-mutate-"))
    for part in ("src", "tests", "bench", "pyproject.toml"):
        source = root / part
        if source.is_dir():
            shutil.copytree(source, work / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, work / part)
    (work / "data").mkdir()
    return work


def _alive(work: Path, tests: list[str], env: dict[str, str], timeout: int) -> bool:
    command = ["nice", "-n", "10", sys.executable, "-m", "pytest", "-q", "-x"]
    command += ["-n", "0", "-p", "no:randomly", "--reuse-db", *tests]  # one process per mutant
    try:
        done = subprocess.run(
            command, cwd=work, env=env, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return False  # a mutant that hangs the tests is noticed too
    return done.returncode == 0


def run(
    module: Path,
    tests: list[str],
    *,
    then: list[str],
    functions: frozenset[str],
    limit: int,
    timeout: int,
    only: set[int],
) -> int:
    root = Path.cwd()
    work = _workspace(root)
    target = work / module
    found = mutants(target, functions)
    chosen = [m for m in found if not only or m.number in only][:limit]
    env = {k: v for k, v in os.environ.items() if k != "YIWANG_DATABASE_URL"}
    # The copy's code, and one SQLite test database kept between runs (--reuse-db): the
    # schema does not change between mutants, and migrating costs more than most tests.
    env["PYTHONPATH"] = f"{work / 'src'}{os.pathsep}{work}"
    env["YIWANG_DATA_DIR"] = str(work / "data")
    original = target.read_text()
    if not _alive(work, tests + then, env, timeout * 3):
        print("the tests fail on the unmutated code; nothing measured")
        return 1
    killed: list[Mutant] = []
    survived: list[Mutant] = []
    started = time.monotonic()
    try:
        for m in chosen:
            target.write_text(m.source)
            alive = _alive(work, tests, env, timeout)
            if alive and then:
                alive = _alive(work, then, env, timeout)
            (survived if alive else killed).append(m)
            mark = "SURVIVED" if alive else "killed"
            print(f"#{m.number:3} line {m.line:4} {m.what:22} {mark}", flush=True)
    finally:
        target.write_text(original)
        shutil.rmtree(work, ignore_errors=True)
    elapsed = time.monotonic() - started
    print(
        f"\n{module}: {len(killed)} of {len(chosen)} mutants killed"
        f" ({len(found)} points), {elapsed:.0f} s"
    )
    for m in survived:
        print(f"  alive: #{m.number} line {m.line}: {m.what}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("module", type=Path, help="relative to the project root (cwd)")
    parser.add_argument("tests", nargs="+")
    parser.add_argument("--then", nargs="*", default=[], help="tests run on the survivors")
    parser.add_argument("--functions", default="", help="comma-separated: mutate only these")
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--timeout", type=int, default=180)
    parser.add_argument("--only", default="", help="comma-separated mutant numbers")
    parser.add_argument("--list", action="store_true", help="print the mutants, run nothing")
    args = parser.parse_args()
    functions = frozenset(f for f in args.functions.split(",") if f)
    if args.list:
        for m in mutants(args.module, functions):
            print(f"#{m.number:3} line {m.line:4} {m.what}")
        return 0
    only = {int(n) for n in args.only.split(",") if n.strip()}
    return run(
        args.module,
        args.tests,
        then=args.then,
        functions=functions,
        limit=args.limit,
        timeout=args.timeout,
        only=only,
    )


if __name__ == "__main__":
    raise SystemExit(main())
