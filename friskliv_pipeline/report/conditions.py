"""The conditions of the analyst's claims: ``mart_attainment.1.pct_with_goal < 30 and n_projects > 100``.

A small language on purpose: names of report values, whole or decimal numbers, ``+ - * /``, the
comparisons ``< <= > >= == !=``, ``and``, ``or``, ``not`` and parentheses
(``n_counties_competence_used * 2 > n_counties``). Nothing else parses, so a
commentary file cannot run code. Names are the dotted names the commentary quotes
(``commentary.values``); the caller looks them up.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:[.,]\d+)?)(?![\w.])|(?P<op><=|>=|==|!=|<|>|\(|\)|\+|-|\*|/)"
                   r"|(?P<word>and|or|not)(?![\w.])|(?P<name>[A-Za-z_][\w]*(?:\.[\w-]+)*))")
ALLOWED = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.Compare, ast.Lt,
           ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq, ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Name,
           ast.Load, ast.Constant)


class ConditionError(ValueError):
    """A condition that does not parse, or names a value that does not exist or is missing."""


def names_in(condition: str) -> list[str]:
    return [name for name, _ in _tokens(condition) if name is not None]


def _tokens(condition: str) -> list[tuple[str | None, str]]:
    """(name or None, Python text) per token."""
    out, position = [], 0
    text = condition.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ConditionError(f"cannot read the condition from {text[position:]!r}: use names, numbers, "
                                 "+ - * /, < <= > >= == !=, and, or, not and parentheses")
        position = match.end()
        if match.group("name"):
            out.append((match.group("name"), ""))
        elif match.group("number"):
            out.append((None, match.group("number").replace(",", ".")))
        else:
            out.append((None, f" {match.group('op') or match.group('word')} "))
    if not out:
        raise ConditionError("the condition is empty")
    return out


def evaluate(condition: str, lookup: Callable[[str], float | int | None]) -> bool:
    """True or False; ``lookup`` gives a name's value (None: missing, which no comparison can judge)."""
    tokens = _tokens(condition)
    values, parts = {}, []
    for name, text in tokens:
        if name is None:
            parts.append(text)
            continue
        value = lookup(name)
        if value is None:
            raise ConditionError(f"{name} has no value this year, so the condition cannot be judged")
        key = f"_v{len(values)}"
        values[key] = value
        parts.append(key)
    try:
        tree = ast.parse("".join(parts).strip(), mode="eval")
    except SyntaxError as error:
        raise ConditionError(f"the condition is not well formed ({error.msg})") from None
    for node in ast.walk(tree):
        if not isinstance(node, ALLOWED) or (isinstance(node, ast.Name) and node.id not in values) \
                or (isinstance(node, ast.Constant) and not isinstance(node.value, (int, float))):
            raise ConditionError("the condition may only compare names and numbers with and, or, not")
    try:
        return bool(eval(compile(tree, "<condition>", "eval"), {"__builtins__": {}}, values))  # noqa: S307 (whitelisted)
    except ZeroDivisionError:
        raise ConditionError("the condition divides by zero") from None
