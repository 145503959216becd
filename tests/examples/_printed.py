"""What the image examples' tests share: a quick run with its printed output, and the printed
table read back as numbers (to check them against what ``run()`` returns)."""

import contextlib
import io
import re


def run_printed(run, **options):
    """``run(quick=True, verbose=1, ...)``'s result, with what it printed under ``"printed"``."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = run(quick=True, verbose=1, **options)
    return {**result, "printed": out.getvalue()}


def table(printed):
    """The printed table's rows: label → the numbers after it (percentages as fractions)."""
    rows = {}
    for label, numbers in re.findall(r"^  (\S.*?)\s{2,}(-?[0-9.]+%?(?:\s+-?[0-9.]+%?)+)$", printed, re.M):
        rows[label] = [round(float(v[:-1]) / 100, 6) if v.endswith("%") else float(v) for v in numbers.split()]
    return rows
