"""Small text plots for the terminal: paired bars and a confusion matrix, plain strings.

Pure text (unicode block characters), so the CLI can print them through rich
without a plotting dependency and tests can compare them as strings.
"""

from __future__ import annotations

from collections.abc import Sequence

_EIGHTHS = " ▏▎▍▌▋▊▉█"


def bar(fraction: float, width: int) -> str:
    """A horizontal bar of ``fraction`` (0..1) of ``width`` cells, with eighth-cell resolution."""
    fraction = min(max(float(fraction), 0.0), 1.0) if fraction == fraction else 0.0
    eighths = round(fraction * width * 8)
    full, rest = divmod(eighths, 8)
    text = "█" * full + (_EIGHTHS[rest] if rest else "")
    return text.ljust(width)


def distribution_compare(
    ref_hist: Sequence[float], cur_hist: Sequence[float], labels: Sequence[str], width: int = 40
) -> str:
    """Reference and current shares per bin as paired bars (``ref`` above ``cur``), one bin per block.

    Bars are scaled to the largest share of either side, so the two are
    comparable; each line ends with the share in percent.
    """
    if not (len(ref_hist) == len(cur_hist) == len(labels)):
        raise ValueError("ref_hist, cur_hist and labels must have the same length")
    if not labels:
        return ""
    label_width = max(len(str(label)) for label in labels)
    bar_width = max(width - label_width - 14, 4)
    top = max([*ref_hist, *cur_hist, 0.0]) or 1.0
    lines = []
    for label, ref, cur in zip(labels, ref_hist, cur_hist, strict=True):
        lines.append(f"{label!s:>{label_width}} ref {bar(ref / top, bar_width)} {ref * 100:5.1f}%")
        lines.append(f"{'':>{label_width}} cur {bar(cur / top, bar_width)} {cur * 100:5.1f}%")
    return "\n".join(lines)


def confusion_matrix_text(matrix: Sequence[Sequence[int | float]], labels: Sequence[str]) -> str:
    """A confusion matrix as a text grid: rows are true labels, columns predicted labels.

    Each cell shows the count and a shade (░▒▓█) for its share of the row, so
    the diagonal stands out at a glance.
    """
    size = len(labels)
    if len(matrix) != size or any(len(row) != size for row in matrix):
        raise ValueError("the matrix must be square with one row and column per label")
    names = [str(label) for label in labels]
    counts = [[_number(v) for v in row] for row in matrix]
    cell = max([len(n) for n in names] + [len(c) for row in counts for c in row] + [4]) + 2
    corner = "true\\pred"
    head = max([len(n) for n in names] + [len(corner)])
    lines = [f"{corner:<{head}} " + "".join(f"{n:>{cell}}" for n in names)]
    for name, row, values in zip(names, counts, matrix, strict=True):
        total = sum(float(v) for v in values) or 1.0
        cells = "".join(
            f"{_shade(float(v) / total)}{c:>{cell - 1}}" for c, v in zip(row, values, strict=True)
        )
        lines.append(f"{name:<{head}} {cells}")
    return "\n".join(lines)


def _number(value: int | float) -> str:
    as_float = float(value)
    return str(int(as_float)) if as_float.is_integer() else f"{as_float:.3g}"


def _shade(share: float) -> str:
    if share >= 0.75:
        return "█"
    if share >= 0.5:
        return "▓"
    if share >= 0.25:
        return "▒"
    if share > 0:
        return "░"
    return " "
