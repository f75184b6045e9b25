/**
 * The HTML report: one self-contained page (inline CSS, inline SVG charts, a few lines of inline
 * script to sort the table; nothing fetched: a Content-Security-Policy of `default-src 'none'`
 * forbids it too). Every piece of text from the batch (submission names, messages, test names,
 * worker names) goes through `escapeHtml`, attribute values included; numbers are formatted
 * from numbers. The charts: the verdict distribution, each test's pass rate, and the
 * distribution of the submissions' peak CPU times.
 */
import type { BatchRow } from '../wire/batch';
import { expectedCell, hasExpectations, testColumn, testColumns, type GradeReport } from './report';

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe in HTML content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

const COLOURS: Readonly<Record<string, string>> = {
  AC: '#2e7d32',
  WA: '#c62828',
  TLE: '#ef6c00',
  MLE: '#6a1b9a',
  OLE: '#8d6e63',
  RE: '#ad1457',
  CE: '#1565c0',
  SE: '#455a64',
  IE: '#000000',
  REFUSED: '#9e9e9e',
  FAILED: '#424242',
};

function colour(verdict: string): string {
  return COLOURS[verdict] ?? '#757575';
}

/** A horizontal bar chart: one labelled bar per item. */
function barChart(
  id: string,
  title: string,
  items: ReadonlyArray<{ label: string; value: number; text: string; colour: string }>,
  max: number,
): string {
  const rowH = 22;
  const labelW = 160;
  const barW = 360;
  const h = items.length * rowH + 10;
  const bars = items
    .map((it, i) => {
      const y = 5 + i * rowH;
      const w = max > 0 ? Math.max(it.value > 0 ? 1 : 0, (it.value / max) * barW) : 0;
      return (
        `<text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${escapeHtml(it.label)}</text>` +
        `<rect class="bar" x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${it.colour}"></rect>` +
        `<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 15}">${escapeHtml(it.text)}</text>`
      );
    })
    .join('');
  return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg id="${id}" role="img" width="${labelW + barW + 120}" height="${h}" viewBox="0 0 ${labelW + barW + 120} ${h}">${bars}</svg></figure>`;
}

/** Histogram of the peak CPU times (ms) of the rows that ran. */
function timeChart(rows: readonly BatchRow[]): string {
  const times = rows.map((r) => r.cpuTimeMs).filter((t): t is number => t !== null);
  const bins = 10;
  const max = Math.max(1, ...times);
  const width = max / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const t of times) counts[Math.min(bins - 1, Math.floor(t / width))]!++;
  const top = Math.max(1, ...counts);
  const chartW = 520;
  const chartH = 160;
  const top0 = 22;
  const colW = chartW / bins;
  const cols = counts
    .map((c, i) => {
      const h = (c / top) * chartH;
      const x = 40 + i * colW;
      return (
        `<rect class="bar" x="${(x + 2).toFixed(1)}" y="${(top0 + chartH - h).toFixed(1)}" width="${(colW - 4).toFixed(1)}" height="${h.toFixed(1)}" fill="#1565c0"><title>${Math.round(i * width)}–${Math.round((i + 1) * width)} ms: ${c}</title></rect>` +
        (c ? `<text x="${(x + colW / 2).toFixed(1)}" y="${(top0 - 4 + chartH - h).toFixed(1)}" text-anchor="middle">${c}</text>` : '')
      );
    })
    .join('');
  const axis = `<line x1="40" y1="${top0 + chartH}" x2="${40 + chartW}" y2="${top0 + chartH}" stroke="#333"></line><text x="40" y="${top0 + chartH + 18}">0 ms</text><text x="${40 + chartW}" y="${top0 + chartH + 18}" text-anchor="end">${Math.round(max)} ms</text>`;
  return `<figure><figcaption>Peak CPU time per submission (${times.length} that ran)</figcaption><svg id="times" role="img" width="${chartW + 60}" height="${chartH + top0 + 30}" viewBox="0 0 ${chartW + 60} ${chartH + top0 + 30}">${cols}${axis}</svg></figure>`;
}

function mib(bytes: number | null): string {
  return bytes === null ? '' : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function cell(text: string, sortValue?: number | string | null): string {
  const v = sortValue === undefined || sortValue === null ? '' : ` data-v="${escapeHtml(String(sortValue))}"`;
  return `<td${v}>${escapeHtml(text)}</td>`;
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}
.charts{display:flex;flex-wrap:wrap;gap:2em}
figure{margin:0}figcaption{font-weight:600;margin-bottom:.3em}
svg text{font-size:12px;fill:#222}
table{border-collapse:collapse;margin-top:1.5em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f0f0f0;cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:" \\25b2"}th[aria-sort=descending]::after{content:" \\25bc"}
td.v{font-weight:700;color:#fff}
td.msg{max-width:40em;white-space:pre-wrap;word-break:break-word}
`;

/** Sorts the table by a column on a click (again: the other way), or on load by `#sort=N` / `#sort=N-` (descending). */
const SCRIPT = `
var heads = document.querySelectorAll('#results th');
function key(tr, col) {
  var td = tr.children[col];
  var v = td.hasAttribute('data-v') ? td.getAttribute('data-v') : td.textContent;
  var n = Number(v);
  return v !== '' && !isNaN(n) ? n : v.toLowerCase();
}
function sortBy(col, asc) {
  var body = document.querySelector('#results tbody');
  heads.forEach(function (o) { o.removeAttribute('aria-sort'); });
  heads[col].setAttribute('aria-sort', asc ? 'ascending' : 'descending');
  Array.prototype.slice.call(body.rows).sort(function (a, b) {
    var x = key(a, col), y = key(b, col);
    var c = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0) : typeof x === 'number' ? -1 : 1;
    return asc ? c : -c;
  }).forEach(function (tr) { body.appendChild(tr); });
}
heads.forEach(function (th, col) {
  th.addEventListener('click', function () { sortBy(col, th.getAttribute('aria-sort') !== 'ascending'); });
});
var m = /^#sort=(\\d+)(-?)$/.exec(location.hash);
if (m && heads[Number(m[1])]) sortBy(Number(m[1]), m[2] !== '-');
`;

export function htmlReport(r: GradeReport): string {
  const rows = r.summary.rows;
  const verdicts = Object.entries(r.summary.counts).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0));
  const verdictChart = barChart(
    'verdicts',
    'Verdicts',
    verdicts.map(([v, n]) => ({
      label: v,
      value: n ?? 0,
      text: `${n} (${Math.round(((n ?? 0) / Math.max(1, rows.length)) * 100)}%)`,
      colour: colour(v),
    })),
    Math.max(1, ...verdicts.map(([, n]) => n ?? 0)),
  );
  const tests = testColumns(rows);
  const rates = tests.map((name) => {
    let ran = 0;
    let passed = 0;
    for (const row of rows)
      row.tests.forEach((t, i) => {
        if (testColumn(t, i) !== name || t.verdict === 'SKIPPED') return;
        ran++;
        if (t.verdict === 'AC') passed++;
      });
    const pct = ran ? (passed / ran) * 100 : 0;
    return { label: name, value: pct, text: `${Math.round(pct)}% (${passed}/${ran})`, colour: '#2e7d32' };
  });
  const passChart = barChart('pass-rates', 'Pass rate per test', rates, 100);
  const expected = hasExpectations(r);
  const head = ['#', 'Name', 'Language', 'Verdict', 'Score', 'Time (ms)', 'Memory', 'Worker', 'Message', ...(expected ? ['Expected'] : [])];
  const body = rows
    .map((row, i) => {
      const score = row.score === null ? '' : `${row.score}/${row.maxScore ?? ''}`;
      return (
        `<tr>${cell(String(i + 1), i + 1)}${cell(row.name)}${cell(row.language ?? '')}` +
        `<td class="v" style="background:${colour(row.verdict)}">${escapeHtml(row.verdict)}</td>` +
        `${cell(score, row.score)}${cell(row.cpuTimeMs === null ? '' : String(Math.round(row.cpuTimeMs)), row.cpuTimeMs)}` +
        `${cell(mib(row.memoryBytes), row.memoryBytes)}${cell(row.worker ?? '')}<td class="msg">${escapeHtml(row.message)}</td>` +
        `${expected ? `<td class="msg">${escapeHtml(expectedCell(r.results[i]) ?? '')}</td>` : ''}</tr>`
      );
    })
    .join('\n');
  const counts = verdicts.map(([v, n]) => `${escapeHtml(v)} ${n}`).join(', ');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>caged grade: ${escapeHtml(r.summary.problemName)}</title>
<style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(r.summary.problemName)}: ${rows.length} submissions</h1>
<p>${counts}. Generated ${escapeHtml(r.generatedAt)} by caged grade (batch ${escapeHtml(r.summary.batchId)}; ${r.judged} judged in this run, ${r.reused} reused).</p>
<div class="charts">
${verdictChart}
${passChart}
${timeChart(rows)}
</div>
<table id="results"><thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>
${body}
</tbody></table>
<script>${SCRIPT}</script>
</body></html>
`;
}
