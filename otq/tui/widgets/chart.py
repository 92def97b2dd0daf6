"""A report's chart: bars or lines drawn by plotext, or a plain table when it can't be.

The chart draws with textual-plotext. The series take colours from a fixed list, each
near one of the basic terminal colours, so a 16-colour terminal still tells them apart,
and the legend is a line of our own above the plot (plotext's own legend sits on top of
the first bars and lines).
In ASCII mode (no box or braille characters) and under ``NO_COLOR`` (series would be
told apart only by colour) it shows the same numbers as a plain aligned table instead,
so nobody loses information.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

from otq.services.reports import Chart

#: series colours as RGB, each near one basic terminal colour (cyan, yellow, magenta,
#: green, red, blue) so a 16-colour terminal still tells them apart. The plot and the
#: legend use the same values: plotext's colour names are drawn differently from the
#: terminal's, so names would not match between the two.
PALETTE = ((0, 190, 220), (230, 180, 0), (200, 80, 200), (80, 190, 80), (220, 60, 60),
           (80, 120, 230))


def chart_table(chart: Chart) -> str:
    """The chart's numbers as an aligned plain-text table (labels down, series across)."""
    names = list(chart.series)
    corner = "-" if not chart.y_label else chart.y_label
    label_w = max([len(corner)] + [len(lb) for lb in chart.labels])
    widths = [max(len(n), *(len(_num(v)) for v in chart.series[n])) if chart.series[n]
              else len(n) for n in names]
    # The header starts with a word, not spaces: a leading run of spaces is dropped when
    # the text is laid out, which would shift the series names left of their columns.
    lines = [chart.title,
             f"{corner:<{label_w}}" + "".join(f"  {n:>{w}}"
                                               for n, w in zip(names, widths, strict=True))]
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
    ReportChart > .chart-legend { height: 1; padding: 0 1; }
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
            yield Static(legend(self.chart), classes="chart-legend")
            yield PlotextPlot(id="plot")

    def on_mount(self) -> None:
        """Draw the series once; plotext re-renders to the widget's size by itself."""
        if self.plain or not self.chart.labels:
            return
        plot = self.query_one(PlotextPlot)
        if getattr(self.app, "low_bandwidth", False):
            # 16 colours: the theme-derived frame colour comes out black on black; the
            # "clear" theme draws axes in the terminal's own foreground instead.
            plot.theme = "clear"
        plt = plot.plt
        chart = self.chart
        labels = list(chart.labels)
        names = list(chart.series)
        values = [list(chart.series[n]) for n in names]
        colours = [PALETTE[i % len(PALETTE)] for i in range(len(names))]
        if chart.kind == "line":
            for ys, colour in zip(values, colours, strict=True):
                plt.plot(list(range(1, len(labels) + 1)), ys, marker="braille", color=colour)
            plt.xticks(list(range(1, len(labels) + 1)), labels)
        elif chart.kind == "stacked" and len(names) > 1:  # a total per label, split by series
            plt.stacked_bar(labels, values, color=colours, width=0.6)
        elif len(names) > 1:  # side by side
            plt.multiple_bar(labels, values, color=colours)
        else:
            plt.bar(labels, values[0] if values else [], color=colours[0] if colours else None,
                    width=0.6)
        if chart.kind == "stacked":
            values = [[sum(col) for col in zip(*values, strict=True)]]
        top = max((v for ys in values for v in ys), default=0.0)
        if top > 0:
            ticks = [top * i / 4 for i in range(5)]
            plt.yticks(ticks, [_short(t) for t in ticks])


def legend(chart: Chart) -> Text:
    """The title, then each series name after a block in its colour."""
    text = Text(chart.title, style="bold")
    for i, name in enumerate(chart.series):
        r, g, b = PALETTE[i % len(PALETTE)]
        text.append("  \u25a0 ", style=f"rgb({r},{g},{b})")
        text.append(name)
    return text


def _short(v: float) -> str:
    """An axis label: 212k, 1.2M, 35."""
    if v >= 1_000_000:
        return f"{v / 1_000_000:.1f}M"
    if v >= 10_000:
        return f"{v / 1000:.0f}k"
    if v >= 1000:
        return f"{v / 1000:.1f}k"
    return f"{v:.0f}"
