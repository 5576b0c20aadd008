"""Charts of rescheduled appointments: the curated running totals over time (each strike marked) and the
per-strike figures as bars, as PNG images for Slack (`/strike-totals chart`) and `strikebot chart`.

Core side (no Slack imports). The data (`totals_data`, `strikes_data`) is separate from the drawing, so the text
fallback and the tests use the same values the picture shows. Only curated numbers are plotted: a running total is
a published figure, never one the bot added up. matplotlib is imported only when a chart is drawn (Agg, no
display), because it costs about a second to import and most processes never draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from typing import Any

from bot.clock import fmt_count, fmt_partial
from bot.composing import any_published_by, sources_of
from bot.digest import running_totals, strike_figures
from bot.knowledge import KnowledgeBase
from bot.models import Figure, Source, Strike
from bot.phrasings import Names

WIDTH_PX, HEIGHT_PX, DPI = 1200, 600, 100
AFTER_TOTAL = "after the latest running total"


@dataclass
class Point:
    """One plotted value: `when` (London date), `value`, a short `label` and the figure it comes from."""

    when: date
    value: float
    label: str
    figure: Figure
    after_total: bool = False  # a per-strike figure for a strike the newest running total does not cover


@dataclass
class ChartData:
    """What a chart shows: `kind` ('totals' or 'strikes'), its `title`, the `points` in order, the strikes marked
    (`marks`: (start date, label)), the `sources` and the newest as-of date (curated text)."""

    kind: str
    title: str
    points: list[Point]
    sources: list[Source]
    as_of: str | None
    marks: list[tuple[date, str]] = field(default_factory=list)

    @property
    def alt_text(self) -> str:
        """A screen-reader description (under Slack's 1,000-char alt text limit) with the first and last values."""
        if not self.points:
            return f"{self.title}: no figures yet."
        first, last = self.points[0], self.points[-1]
        what = "Line chart" if self.kind == "totals" else "Bar chart"
        text = (f"{what}: {self.title}. {len(self.points)} values, from {fmt_count(first.value)} ({first.label}) "
                f"to {fmt_count(last.value)} ({last.label}).")
        if self.kind == "totals":
            text += f" {len(self.marks)} strikes are marked as vertical lines."
        else:
            top = max(self.points, key=lambda p: p.value)
            text += f" Largest: {fmt_count(top.value)} ({top.label})."
        return text[:1000]

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) rows for the text-table fallback."""
        return [(p.label + (" *" if p.after_total else ""), fmt_count(p.value)) for p in self.points]


def _day(p) -> date:  # noqa: ANN001 - PartialDate
    return p.local_first.date()


def totals_data(kb: KnowledgeBase, now: datetime) -> ChartData:
    """The curated running totals (acute hospitals, England) knowable at `now`, oldest first, one per as-of date,
    with every strike in England up to the newest total's period end marked."""
    totals = running_totals(kb, now)
    points = [Point(_day(f.as_of) if f.as_of.precision != "month" else f.as_of.local_last.date(), f.value,
                    f"as of {fmt_partial(f.as_of, weekday=False)}", f) for f in totals]
    marks: list[tuple[date, str]] = []
    if totals:
        start = min((f.period_start or f.as_of).local_first.date() for f in totals)
        end = max(p.when for p in points)
        names = Names(kb)
        for s in sorted(kb.all("strike"), key=lambda s: s.start.first):
            if ("england" in s.nations or not s.nations) and start <= _day(s.start) <= end \
                    and s.status != "called_off" and any_published_by(s, now):
                marks.append((_day(s.start), f"{names.unions(s.unions)} {_day(s.start):%d %b %Y}"))
    return ChartData("totals", "Running total of rescheduled hospital appointments, England (acute)", points,
                     sources_of(totals, now), totals[-1].as_of.text if totals else None, marks)


def _short(s: Strike, names: Names) -> str:
    groups = ", ".join(names.groups[g].name.split(" (")[0] if g in names.groups else g for g in s.staff_groups)
    return f"{groups} {_day(s.start):%b %Y}"


def strikes_data(kb: KnowledgeBase, now: datetime) -> ChartData:
    """The per-strike figures (acute hospitals, England, whole strikes) knowable at `now`, oldest strike first,
    including strikes that no running total covers yet (`after_total`)."""
    figs = strike_figures(kb, now)
    totals = running_totals(kb, now)
    end = (totals[-1].period_end or totals[-1].as_of).last if totals else None
    names = Names(kb)
    points = []
    for f in figs:
        st = kb.get_many("strike", f.strike_ids)
        label = " + ".join(dict.fromkeys(_short(s, names) for s in st)) or f.id
        after = end is not None and any(s.end.first > end for s in st)
        points.append(Point(_day(f.period_start or f.as_of), f.value, label, f, after))
    newest = max(figs, key=lambda f: f.as_of.last).as_of.text if figs else None
    return ChartData("strikes", "Hospital appointments rescheduled per strike, England (acute)", points,
                     sources_of(figs, now), newest)


def draw(data: ChartData) -> Any:
    """A matplotlib Figure (WIDTH_PX x HEIGHT_PX) of `data`. The totals line is `axes[0].lines[0]` and the
    strike marks a LineCollection with gid 'strikes'; the per-strike bars are `axes[0].patches`."""
    from matplotlib.figure import Figure as MplFigure  # no pyplot: no global state, no display, thread-safe
    from matplotlib.ticker import FuncFormatter

    fig = MplFigure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(data.title)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_ylabel("appointments rescheduled")
    if data.kind == "totals":
        xs = [p.when for p in data.points]
        ys = [p.value for p in data.points]
        ax.plot(xs, ys, marker="o", color="#1d3557", label="running total (as published)")
        if data.marks:
            top = max(ys) if ys else 1
            ax.vlines([m for m, _ in data.marks], 0, top * 1.05, colors="#e63946", alpha=0.35, linewidth=1,
                      label="strike start", gid="strikes")
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left")
    else:
        labels = [p.label for p in data.points]
        colours = ["#e76f51" if p.after_total else "#457b9d" for p in data.points]
        ax.bar(range(len(labels)), [p.value for p in data.points], color=colours)
        ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=7)
        if any(p.after_total for p in data.points):
            from matplotlib.patches import Patch

            ax.legend(handles=[Patch(color="#457b9d", label="in a published running total"),
                               Patch(color="#e76f51", label=AFTER_TOTAL)], loc="upper left")
    sources = "; ".join(dict.fromkeys(s.publisher for s in data.sources))
    fig.text(0.01, 0.005, f"Sources: {sources}"[:200], fontsize=6, color="#555555")
    return fig


def png(fig: Any) -> bytes:
    """A drawn Figure as PNG bytes (Agg)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    out = BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def chart_data(kind: str, kb: KnowledgeBase, now: datetime) -> ChartData:
    """`totals_data` or `strikes_data` by name. Raises ValueError for any other `kind`."""
    if kind == "totals":
        return totals_data(kb, now)
    if kind == "strikes":
        return strikes_data(kb, now)
    raise ValueError(f"unknown chart {kind!r} (totals or strikes)")
