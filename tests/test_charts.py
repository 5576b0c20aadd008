"""Charts on the real curated knowledge: the plotted values are the knowledge base's own (read back from the
figure's data, not its pixels), the PNG decodes at its stated size, and matplotlib is only imported to draw."""

from __future__ import annotations

import io
import subprocess
import sys

from PIL import Image

from bot.charts import HEIGHT_PX, WIDTH_PX, draw, png, strikes_data, totals_data
from bot.clock import parse_now

NOW = parse_now("2026-01-15T12:00")


def test_the_totals_line_plots_only_curated_running_totals(real_kb) -> None:
    data = totals_data(real_kb, NOW)
    fig = draw(data)
    (line,) = [ln for ln in fig.axes[0].lines]
    plotted = [float(v) for v in line.get_ydata()]
    curated = {f.value for f in real_kb.all("figure") if f.cumulative and f.metric == "appointments_rescheduled"
               and f.setting == "acute" and f.area == "England" and not f.variant_of}
    assert plotted == [p.value for p in data.points]
    assert set(plotted) <= curated  # never a total the bot added up
    assert plotted[0] == 483085 and plotted[-1] == 1486258 and plotted == sorted(plotted)
    marks = [c for c in fig.axes[0].collections if c.get_gid() == "strikes"]
    assert len(marks) == 1 and len(marks[0].get_segments()) == len(data.marks) >= 30


def test_the_bars_include_strikes_no_running_total_covers(real_kb) -> None:
    data = strikes_data(real_kb, NOW)
    fig = draw(data)
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert heights == [p.value for p in data.points]
    assert 196225 in heights and 54095 in heights  # April 2023, and the July 2025 round
    late = [p for p in data.points if p.after_total]
    assert [p.value for p in late] == [54095] and "Jul 2025" in late[0].label
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == [p.label for p in data.points]


def test_png_decodes_at_its_size(real_kb) -> None:
    image = Image.open(io.BytesIO(png(draw(totals_data(real_kb, NOW)))))
    assert image.format == "PNG" and image.size == (WIDTH_PX, HEIGHT_PX)


def test_nothing_known_yet_draws_an_empty_chart(real_kb) -> None:
    data = totals_data(real_kb, parse_now("2022-11-01T12:00"))
    assert data.points == [] and data.alt_text.endswith("no figures yet.")
    assert Image.open(io.BytesIO(png(draw(data)))).size == (WIDTH_PX, HEIGHT_PX)


def test_matplotlib_is_not_imported_by_the_bot_or_the_cli() -> None:
    code = "import sys, bot.cli, bot.slack.app, bot.charts; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
