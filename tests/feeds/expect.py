"""Evaluate feedparser's ``Expect:`` assertions safely (a small AST interpreter, never ``eval``)."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any


class Unsupported(Exception):
    """The expression needs something the feed layer does not expose."""


_COMPARE = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


def evaluate(expression: str, names: Mapping[str, Any]) -> Any:
    """Evaluate ``expression`` with only literals, names from ``names``, subscripts, ``x.get(k)``, ``ord``,
    ``==``/``!=``/``in``, ``and``/``or``/``not`` and ``+``. Raise Unsupported for anything else or for a
    name or key that ``names`` does not provide."""
    tree = ast.parse(expression.strip(), mode="eval")
    return _eval(tree.body, names)


def _lookup(container: Any, key: Any) -> Any:
    if isinstance(container, Mapping):
        if key not in container:
            raise Unsupported(f"key {key!r}")
        return container[key]
    if isinstance(container, (list, tuple, str)) and isinstance(key, int):
        return container[key]
    raise Unsupported(f"subscript of {type(container).__name__}")


def _eval(node: ast.AST, names: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple):
        return tuple(_eval(e, names) for e in node.elts)
    if isinstance(node, ast.Name):
        if node.id not in names:
            raise Unsupported(f"name {node.id!r}")
        return names[node.id]
    if isinstance(node, ast.BoolOp):
        result: Any = None
        for value in node.values:
            result = _eval(value, names)
            if isinstance(node.op, ast.And) and not result:
                return result
            if isinstance(node.op, ast.Or) and result:
                return result
        return result
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not _eval(node.operand, names)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _eval(node.left, names) + _eval(node.right, names)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, names)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            check = _COMPARE.get(type(op))
            if check is None:
                raise Unsupported(type(op).__name__)
            right = _eval(comparator, names)
            if not check(left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Subscript):
        return _lookup(_eval(node.value, names), _eval(node.slice, names))
    if isinstance(node, ast.Attribute):
        # feedparser's dicts allow entries[0].link for entries[0]['link']
        return _lookup(_eval(node.value, names), node.attr)
    if isinstance(node, ast.Call) and not node.keywords:
        func = node.func
        if isinstance(func, ast.Name) and func.id == "ord" and len(node.args) == 1:
            return ord(_eval(node.args[0], names))
        if isinstance(func, ast.Attribute) and func.attr == "get" and len(node.args) == 1:
            container = _eval(func.value, names)
            key = _eval(node.args[0], names)
            return _lookup(container, key)
        raise Unsupported("call")
    raise Unsupported(type(node).__name__)
