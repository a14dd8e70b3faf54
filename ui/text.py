"""Text a student typed or a link carried, shown exactly as given: never read as markdown, HTML or LaTeX."""

from __future__ import annotations

import re


def printable(text: str) -> str:
    """Line breaks and control characters as spaces."""
    return "".join(c if c.isprintable() else " " for c in text)


def literal(text: str) -> str:
    """Text shown exactly as given, as inline code: markdown reads nothing inside a code span (no
    link, emphasis, HTML, LaTeX, emoji or icon shortcode, no "->" made an arrow). Line breaks and
    control characters become spaces; the fence is longer than any run of backticks in the text."""
    text = printable(text)
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"


def escaped(text: str) -> str:
    """A message that may quote what a student typed (the engine quotes it as a string literal, in
    straight double quotes with \\" and \\\\ escaped: 'row 1: "x" is not a number'): the quotations
    shown as typed, as code, and every markdown or HTML character of the rest escaped."""
    parts = re.split(r'("(?:[^"\\]|\\.)*")', printable(text))
    return "".join(literal(re.sub(r"\\(.)", r"\1", part)) if i % 2 else
                   re.sub(r"([\\`*_{}\[\]()<>#+\-.!|~$:&\"'=@/])", r"\\\1", part) for i, part in enumerate(parts))


def shown(raw: list[str]) -> str:
    """A URL value quoted for a message: short (cut to 40 characters) and shown exactly as given."""
    text = " and ".join(raw)
    return literal(text if len(text) <= 40 else text[:40] + "…")
