"""A report's chart: bars or a line drawn by plotext, or a plain table when it can't be.

The chart draws with textual-plotext. In ASCII mode (no box or braille characters) and
under ``NO_COLOR`` (series would be told apart only by colour) it shows the same numbers
as a plain aligned table instead, so nobody loses information.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

from otq.services.reports import Chart


def chart_table(chart: Chart) -> str:
    """The chart's numbers as an aligned plain-text table (labels down, series across)."""
    names = list(chart.series)
    label_w = max([len(chart.title.split(" ")[0])] + [len(lb) for lb in chart.labels])
    widths = [max(len(n), *(len(_num(v)) for v in chart.series[n])) if chart.series[n]
              else len(n) for n in names]
    lines = [chart.title,
             " " * label_w + "".join(f"  {n:>{w}}" for n, w in zip(names, widths, strict=True))]
    for i, label in enumerate(chart.labels):
        lines.append(f"{label:<{label_w}}" + "".join(
            f"  {_num(chart.series[n][i]):>{w}}" for n, w in zip(names, widths, strict=True)))
    return "\n".join(lines)


def _num(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 or v == int(v) else f"{v:,.1f}"


class ReportChart(Vertical):
    """Shows ``chart`` as a plotext chart, or as ``chart_table`` when ``plain``."""

    DEFAULT_CSS = """
    ReportChart { height: 1fr; min-height: 6; }
    ReportChart > .chart-plain { height: auto; padding: 0 1; }
    """

    def __init__(self, chart: Chart, *, plain: bool, id: str | None = None) -> None:
        super().__init__(id=id)
        self.chart = chart
        self.plain = plain

    def compose(self) -> ComposeResult:
        """The plot, or the plain table."""
        if self.plain or not self.chart.labels:
            yield Static(Text(chart_table(self.chart)), classes="chart-plain")
        else:
            yield PlotextPlot(id="plot")

    def on_mount(self) -> None:
        """Draw the series once; plotext re-renders to the widget's size by itself."""
        if self.plain or not self.chart.labels:
            return
        plt = self.query_one(PlotextPlot).plt
        chart = self.chart
        labels = list(chart.labels)
        names = list(chart.series)
        values = [list(chart.series[n]) for n in names]
        plt.title(chart.title)
        if chart.kind == "line":
            for name, ys in zip(names, values, strict=True):
                plt.plot(list(range(1, len(labels) + 1)), ys, label=name, marker="braille")
            plt.xticks(list(range(1, len(labels) + 1)), labels)
        elif len(names) > 1:  # side by side: stacked blocks blur at terminal resolution
            plt.multiple_bar(labels, values, labels=names)
        else:
            plt.bar(labels, values[0] if values else [])
        top = max((v for ys in values for v in ys), default=0.0)
        if top > 0:
            ticks = [top * i / 4 for i in range(5)]
            plt.yticks(ticks, [_short(t) for t in ticks])


def _short(v: float) -> str:
    """An axis label: 212k, 1.2M, 35."""
    if v >= 1_000_000:
        return f"{v / 1_000_000:.1f}M"
    if v >= 10_000:
        return f"{v / 1000:.0f}k"
    if v >= 1000:
        return f"{v / 1000:.1f}k"
    return f"{v:.0f}"
