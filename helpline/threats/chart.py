"""Geometry of the dashboard's bar chart, drawn by the template as inline SVG.

No script and no style attributes (the CSP allows neither inline scripts nor inline styles):
bars are SVG presentation attributes (``x``, ``width``, ``fill``), and every bar carries a text
label, its count as text and a ``<title>``, so the chart reads without colour and without sight.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from helpline.web.labels import N_

if TYPE_CHECKING:
    from helpline.threats.views import Dashboard

LABEL_WIDTH = 190
BAR_MAX = 260
BAR_HEIGHT = 22
GAP = 10
TOP = 8
WIDTH = LABEL_WIDTH + BAR_MAX + 50

# Colours pass WCAG contrast against white for the adjacent text; the text carries the meaning.
FILLS = {
    "LOW": "#2e7d32",
    "MODERATE": "#b26a00",
    "HIGH": "#a4000f",
    "OVERDUE": "#5a1a8a",
    "MISSING": "#5a5a5a",
}
LABELS = {
    "LOW": N_("level:LOW"),
    "MODERATE": N_("level:MODERATE"),
    "HIGH": N_("level:HIGH"),
    "OVERDUE": N_("Overdue for review"),
    "MISSING": N_("No approved assessment"),
}


@dataclass(frozen=True)
class Bar:
    key: str
    label: str  # msgid
    count: int
    y: int
    width: int
    fill: str

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT - 6

    @property
    def count_x(self) -> int:
        return LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class Chart:
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT


def bar_chart(counts: list[tuple[str, int]]) -> Chart:
    top = max((count for _, count in counts), default=0)
    bars = tuple(
        Bar(
            key=key,
            label=LABELS[key],
            count=count,
            y=TOP + i * (BAR_HEIGHT + GAP),
            # A zero is drawn as nothing; any non-zero count is at least visible.
            width=0 if count == 0 else max(2, round(BAR_MAX * count / top)),
            fill=FILLS[key],
        )
        for i, (key, count) in enumerate(counts)
    )
    return Chart(bars=bars, width=WIDTH, height=TOP * 2 + len(bars) * (BAR_HEIGHT + GAP))


def levels_chart(board: Dashboard) -> Chart:
    return bar_chart([
        ("LOW", board.counts["LOW"]),
        ("MODERATE", board.counts["MODERATE"]),
        ("HIGH", board.counts["HIGH"]),
        ("OVERDUE", len(board.overdue)),
        ("MISSING", len(board.missing)),
    ])
