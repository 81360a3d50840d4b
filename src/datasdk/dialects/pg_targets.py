"""Which column a refused value was written to, read from the statement.

PostgreSQL names the table and column of few data errors (none for a malformed
integer, UUID, timestamp, address or JSON text); it says which parameter (`$n`) or
which character of the statement the value was. For the plain forms, INSERT ...
VALUES and UPDATE ... SET, that is enough to name the column; for anything else the
column stays unknown (None) rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_IDENT = r'"?(\w+)"?'
_INSERT = re.compile(rf"^\s*INSERT\s+INTO\s+{_IDENT}\s*\(([^()]*)\)\s*VALUES\s*", re.I)
_UPDATE = re.compile(rf"^\s*UPDATE\s+{_IDENT}(?:\s+(?:AS\s+)?\w+)?\s+SET\s+", re.I)
_UPDATE_END = re.compile(r"\s(?:WHERE|FROM|RETURNING)\s", re.I)
_PLACEHOLDER = re.compile(r"^\$(\d+)(?:::[\w ]+(?:\(\d+\))?)?$")


@dataclass(frozen=True)
class _Item:
    column: str
    start: int  # offset in the statement, 0-based
    text: str

    def holds(self, parameter: int | None, position: int | None) -> bool:
        if parameter is not None:
            found = _PLACEHOLDER.match(self.text)
            return bool(found and int(found.group(1)) == parameter)
        return position is not None and self.start <= position - 1 < self.start + len(self.text)


def _split(
    text: str, offset: int, *, stop_at_close: bool = False
) -> tuple[list[tuple[int, str]], int]:
    """Top-level comma-separated items of `text` (quotes and parentheses respected), each
    with its offset; ends at the end, or at an unmatched ')' when `stop_at_close`."""
    items: list[tuple[int, str]] = []
    depth, quoted, start, index = 0, False, 0, 0
    for index, char in enumerate(text):
        if char == "'":
            quoted = not quoted
        elif quoted:
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            if depth == 0 and stop_at_close:
                break
            depth -= 1
        elif char == "," and depth == 0:
            items.append((start, text[start:index]))
            start = index + 1
    else:
        index = len(text)
    items.append((start, text[start:index]))
    stripped = [(offset + s + len(item) - len(item.lstrip()), item.strip()) for s, item in items]
    return stripped, index


def _insert_items(statement: str, match: re.Match[str]) -> list[_Item]:
    columns = [c.strip().strip('"') for c in match.group(2).split(",")]
    items, at = [], match.end()
    while at < len(statement) and statement[at] == "(":
        row, end = _split(statement[at + 1 :], at + 1, stop_at_close=True)
        items += [_Item(name, s, t) for name, (s, t) in zip(columns, row, strict=False)]
        at = at + 1 + end + 1
        rest = statement[at:]
        at += len(rest) - len(rest.lstrip(", \n\t"))
    return items


def _update_items(statement: str, match: re.Match[str]) -> list[_Item]:
    rest = statement[match.end() :]
    end = _UPDATE_END.search(rest)
    assignments, _ = _split(rest[: end.start()] if end else rest, match.end())
    items = []
    for start, text in assignments:
        name, equals, value = text.partition("=")
        if equals:
            skipped = len(name) + 1 + len(value) - len(value.lstrip())
            items.append(_Item(name.strip().strip('"'), start + skipped, value.strip()))
    return items


def target(
    statement: str, *, parameter: int | None = None, position: int | None = None
) -> tuple[str | None, str | None]:
    """(table, column) written from parameter `$parameter`, or from the value at
    1-based character `position`: (table, None) when the statement writes the table but
    the value is not one of its plain column values, (None, None) for other statements."""
    for pattern, items in ((_INSERT, _insert_items), (_UPDATE, _update_items)):
        match = pattern.match(statement)
        if match:
            found = [i for i in items(statement, match) if i.holds(parameter, position)]
            return match.group(1), found[0].column if found else None
    return None, None
