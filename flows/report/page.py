"""The HTML shell of `anq report`: inline CSS and a few lines of JS, nothing fetched.

The script only measures each chart once the page is laid out and writes the size on its
``<figure>`` (``data-rendered-width``): the browser test reads it back from the rendered DOM
to check that the charts really drew, not just that the markup exists.
"""

from __future__ import annotations

from string import Template

CSS = """
:root { color-scheme: light; --ink: #1d2733; --muted: #5b6776; --line: #e3e8ee; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: #f5f7fa; }
header { background: #0f2f57; color: #fff; padding: 28px 40px 24px; }
header h1 { margin: 0 0 4px; font-size: 26px; font-weight: 650; }
header p { margin: 0; color: #c8d6e8; }
main { max-width: 1160px; margin: 0 auto; padding: 24px 24px 40px; }
.cards { display: grid; grid-template-columns: repeat(5, 1fr); gap: 14px; margin-bottom: 22px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; }
.card b { display: block; font-size: 26px; font-weight: 650; }
.card span { color: var(--muted); font-size: 13px; }
figure { background: #fff; border: 1px solid var(--line); border-radius: 10px;
         margin: 0 0 22px; padding: 18px 22px 14px; }
figure h2 { margin: 0 0 2px; font-size: 18px; }
figure .note { margin: 0 0 10px; color: var(--muted); font-size: 13px; }
svg { display: block; font-size: 12px; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .tick { fill: var(--muted); }
svg .label { fill: var(--ink); }
svg .value { fill: var(--muted); font-size: 11px; }
svg .bar:hover rect { filter: brightness(0.92); }
.legend { display: flex; gap: 18px; font-size: 13px; color: var(--muted); margin: 4px 0 6px; }
.legend i { display: inline-block; width: 14px; height: 10px; border-radius: 2px;
            margin-right: 6px; vertical-align: baseline; }
details { margin-top: 8px; color: var(--muted); font-size: 13px; }
table.figures { border-collapse: collapse; margin-top: 8px; }
table.figures th, table.figures td { border-bottom: 1px solid var(--line); padding: 3px 10px;
                                     text-align: right; }
table.figures td:first-child, table.figures th:first-child { text-align: left; }
.empty { color: var(--muted); font-style: italic; }
footer { color: var(--muted); font-size: 12px; max-width: 1160px; margin: 0 auto;
         padding: 0 24px 30px; }
"""

SCRIPT = """
for (const figure of document.querySelectorAll('figure[data-chart]')) {
  const svg = figure.querySelector('svg');
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  figure.dataset.renderedWidth = Math.round(box.width);
  figure.dataset.renderedHeight = Math.round(box.height);
}
document.documentElement.dataset.rendered = 'ok';
"""

PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>anq: questions to the French government</title>
<style>$css</style>
</head>
<body>
<header>
<h1>Parliamentary questions of the Assemblée nationale</h1>
<p>Built by anq from its DuckDB warehouse on $generated_at.</p>
</header>
<main>
<section class="cards">$summary</section>
<figure data-chart="delays">
<h2>How long ministries take to answer</h2>
<p class="note">Days from a written or oral question's publication to its answer in the
Journal officiel, over answered QE and QOSD: median (dark) and 90th percentile (light),
for the ministries that answered the most.</p>
<div class="legend"><span class="key"><i style="background:#1f5fa8"></i>median</span>
<span class="key"><i style="background:#9cc3ea"></i>90th percentile</span></div>
$delays_chart
<details><summary>Figures</summary>$delays_table</details>
</figure>
<figure data-chart="activity">
<h2>Questions published and answered per week</h2>
<p class="note">All types, questions au Gouvernement included (published and answered at
their sitting). Weeks start on Monday; the last one is the current, unfinished, week.</p>
$activity_chart
</figure>
<figure data-chart="backlog">
<h2>Open backlog</h2>
<p class="note">Written and oral questions (QE, QOSD) published but not yet answered or
withdrawn at the end of each week, from their publication and closing dates.</p>
$backlog_chart
</figure>
</main>
<footer>Ministers have two months to answer a written question, and may ask for one more
(art. 135 of the Règlement de l'Assemblée nationale). Source: assemblee-nationale.fr.</footer>
<script>$script</script>
</body>
</html>
""")


def render_page(
    *,
    summary: str,
    delays_chart: str,
    delays_table: str,
    activity_chart: str,
    backlog_chart: str,
    generated_at: str,
) -> str:
    """Fill the page with already-escaped fragments (charts, cards, tables)."""
    return PAGE.substitute(
        css=CSS,
        script=SCRIPT,
        summary=summary,
        delays_chart=delays_chart,
        delays_table=delays_table,
        activity_chart=activity_chart,
        backlog_chart=backlog_chart,
        generated_at=generated_at,
    )
