"""PyTorch and Keras (on JAX) for the tests that run the code views with the real frameworks.

Imported once per session through the `torch` and `keras` fixtures (tests/conftest.py). Without them
the tests skip, saying what to install, except under CI=true, where a missing framework fails them:
CI installs requirements-frameworks.txt, so a missing one there is a broken setup, not a choice.
"""

from __future__ import annotations

import ast
import importlib
import io
import os
import re
import sys
import tokenize

import pytest

INSTALL = "pip install -r requirements-frameworks.txt"


def require(*names: str):
    """The last of the modules `names`, imported in order; skipped (failed under CI=true) if one is missing."""
    module = None
    for name in names:
        try:
            module = importlib.import_module(name)
        except ImportError as error:
            message = f"{name} is not installed ({error}): {INSTALL}"
            if os.environ.get("CI") == "true":
                pytest.fail(f"CI=true and {message}", pytrace=False)
            pytest.skip(message)
    return module


def torch():
    return require("torch")


def keras():
    """Keras 3 on JAX (unless KERAS_BACKEND already names another backend).

    Every new weight shape makes JAX compile its random initializer; XLA's optimisation level 0 halves
    that time (the layers here are tiny), and the values computed are the same."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    os.environ.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=0")
    return require(os.environ["KERAS_BACKEND"], "keras")


# ---- running a snippet ----------------------------------------------------------------------------

PARAMS = re.compile(r"^# parameters: .*= ([\d,]+)$", re.M)
MULTIPLICATIONS = re.compile(r"^# multiplications: .*= ([\d,]+)$", re.M)


def stated(pattern: re.Pattern, code: str) -> int:
    """The first count a snippet states on a "# parameters: ... = n" (or multiplications) line."""
    match = pattern.search(code)
    assert match, code
    return int(match[1].replace(",", ""))


def _print_comments(code: str) -> dict[tuple[int, int], str]:
    """{(first line, last line) of each print() statement: the comment after it}. Every print() has one, but
    print(out), whose array the page shows beside it."""
    comments = {tok.start[0]: tok.string[1:].strip()
                for tok in tokenize.generate_tokens(io.StringIO(code).readline) if tok.type == tokenize.COMMENT}
    found = {}
    for node in ast.walk(ast.parse(code)):
        if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                and getattr(node.value.func, "id", None) == "print"):
            assert node.end_lineno in comments or ast.unparse(node) == "print(out)", ast.unparse(node)
            if node.end_lineno in comments:
                found[(node.lineno, node.end_lineno)] = comments[node.end_lineno]
    return found


def run(code: str) -> dict:
    """Execute a snippet in a fresh namespace, as a student would paste it; check that every print() with a
    comment prints exactly that comment (counts may differ in their thousands separators). Returns the namespace."""
    printed = {}

    def record(*args, **kwargs):
        frame = sys._getframe(1)
        if frame.f_code.co_filename == "<snippet>":
            printed.setdefault(frame.f_lineno, []).append(" ".join(str(a) for a in args))

    namespace = {"print": record, "__name__": "snippet"}
    exec(compile(code, "<snippet>", "exec"), namespace)
    for (first, last), comment in _print_comments(code).items():
        values = [v for line, vs in printed.items() if first <= line <= last for v in vs]
        assert len(values) == 1, (first, comment, printed)
        value = values[0]
        if re.fullmatch(r"[\d,]+", comment):
            value, comment = value.replace(",", ""), comment.replace(",", "")
        assert value == comment, f"line {first} prints {values[0]!r}, its comment says {comment!r}\n{code}"
    return namespace


def mult_adds(torch, model, x) -> int:
    """The multiply-adds PyTorch's own FlopCounterMode counts in model(x): its FLOPs are 2 per multiply-add."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(x)
    flops = counter.get_total_flops()
    assert flops % 2 == 0, flops
    return flops // 2
