"""Parsing the kiosk's own source for the structural tests."""

import ast
from pathlib import Path


def parse(source: str | Path) -> ast.Module:
    """ast.parse, tried again on CPython 3.11's spurious "AST constructor recursion depth
    mismatch" SystemError (python/cpython#106905: seen when other threads run during the
    parse, as a pytest worker's leftover threads do); a real syntax error still raises."""
    text = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
    for _ in range(4):
        try:
            return ast.parse(text)
        except SystemError as error:
            last = error
    raise last
