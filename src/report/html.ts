/**
 * The report page: one self-contained `index.html` (inline CSS, JS and SVG; no network) with the key
 * figures, the charts, every table (sortable by a click on a column header, filterable by text), the
 * methodology notes with the departures from the published method, and the data sources and licences.
 */
import type { IndexResult } from '../idi/compute.js';
import type { CompiledMethodology } from '../idi/methodology.js';
import type { Chart } from './charts.js';
import type { ReportSummary } from './build.js';
import { htmlEscape as h, tableToHtml, type ReportTable } from '../table/report-table.js';

export interface PageInputs {
  summary: ReportSummary;
  tables: ReportTable[];
  charts: Chart[];
  methodology: CompiledMethodology;
  result: IndexResult;
  sources: Array<{ citation: string; licence: string }>;
  vintage: string;
  workbook: string;
  lang: string;
  name: (iso3: string) => string;
  priceBaskets: Array<{ id: string; name: string }>;
  /** A table's HTML (`tableToHtml`), when the caller has it already (the standalone table files carry the same). */
  tableHtml?: (t: ReportTable) => string;
}

const CSS = `
:root{--ink:#1d2733;--muted:#5b6773;--line:#dfe3e8;--accent:#005b9a;--bg:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font-family:Helvetica,Arial,sans-serif;color:var(--ink);background:#fff;line-height:1.45}
header{background:var(--accent);color:#fff;padding:1.2rem 2rem}
header h1{margin:0 0 .3rem;font-size:1.6rem}
header p{margin:.2rem 0;opacity:.92}
nav{position:sticky;top:0;z-index:2;background:#fff;border-bottom:1px solid var(--line);padding:.5rem 2rem;display:flex;flex-wrap:wrap;gap:.4rem 1.2rem}
nav a{color:var(--accent);text-decoration:none;font-weight:bold;font-size:.95rem}
main{max-width:1200px;margin:0 auto;padding:1rem 2rem 3rem}
section,.block{scroll-margin-top:3.2rem}
h2{border-bottom:2px solid var(--accent);padding-bottom:.2rem;margin-top:2.2rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:.8rem}
.card{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.7rem .9rem}
.card .v{font-size:1.5rem;font-weight:bold;color:var(--accent)}
.card .k{color:var(--muted);font-size:.85rem}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:1.2rem}
figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:6px;padding:.6rem;overflow-x:auto}
figure svg{max-width:100%;height:auto}
figcaption{color:var(--muted);font-size:.85rem;margin-top:.3rem}
.block{margin:1.4rem 0 2rem}
.block h3{margin:.2rem 0 .4rem;font-size:1.05rem}
.tools{display:flex;gap:.8rem;align-items:center;margin:.3rem 0;font-size:.85rem;color:var(--muted)}
.tools input{padding:.3rem .5rem;border:1px solid #b8c0c8;border-radius:4px;min-width:16rem}
.tools a{color:var(--accent)}
.scroll{max-height:32rem;overflow:auto;border:1px solid var(--line);border-radius:4px}
table.report-table{border-collapse:collapse;width:100%;font-size:.88rem}
table.report-table caption{display:none}
table.report-table th{position:sticky;top:0;background:var(--bg);text-align:left;padding:.35rem .5rem;border-bottom:2px solid var(--line);cursor:pointer;white-space:nowrap;user-select:none}
table.report-table th[data-type=number],table.report-table th[data-type=integer]{text-align:right}
table.report-table th::after{content:' \\2195';color:#9aa5b1;font-size:.8em}
table.report-table th[aria-sort=ascending]::after{content:' \\25B2';color:var(--accent)}
table.report-table th[aria-sort=descending]::after{content:' \\25BC';color:var(--accent)}
table.report-table td{padding:.25rem .5rem;border-bottom:1px solid #eef0f2}
table.report-table td.num{text-align:right;font-variant-numeric:tabular-nums}
table.report-table tbody tr:hover{background:#eef5fb}
ul.notes{color:var(--muted);font-size:.82rem;margin:.4rem 0 0;padding-left:1.2rem}
details>summary{cursor:pointer;color:var(--accent);font-weight:bold;margin:.6rem 0}
.warn{background:#fff7e6;border-left:4px solid #f0a020;padding:.5rem .8rem}
footer{color:var(--muted);font-size:.8rem;border-top:1px solid var(--line);padding:1rem 2rem}
`;

const JS = `
(function(){
  function key(td, type){
    if(!td) return null;
    if(type==='text') return td.textContent.trim();
    var v=td.getAttribute('data-value'); return v===null||v===''?null:Number(v);
  }
  document.querySelectorAll('table.report-table').forEach(function(table){
    var ths=table.querySelectorAll('thead th');
    ths.forEach(function(th, col){
      th.setAttribute('tabindex','0'); th.title='Sort by '+th.textContent;
      function sort(){
        var dir=th.getAttribute('aria-sort')==='ascending'?'descending':'ascending';
        ths.forEach(function(o){o.removeAttribute('aria-sort');});
        th.setAttribute('aria-sort',dir);
        var type=th.getAttribute('data-type'), body=table.tBodies[0];
        var rows=Array.prototype.slice.call(body.rows);
        rows.forEach(function(r,i){r._i=i;});
        rows.sort(function(a,b){
          var x=key(a.cells[col],type), y=key(b.cells[col],type);
          if(x===null||x==='') return (y===null||y==='')?a._i-b._i:1;
          if(y===null||y==='') return -1;
          var c=type==='text'?x.localeCompare(y):x-y;
          return (dir==='ascending'?c:-c)||a._i-b._i;
        });
        rows.forEach(function(r){body.appendChild(r);});
      }
      th.addEventListener('click',sort);
      th.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();sort();}});
    });
  });
  document.querySelectorAll('input[data-filter]').forEach(function(input){
    var table=document.getElementById(input.getAttribute('data-filter'));
    var count=document.getElementById(input.getAttribute('data-filter')+'-count');
    input.addEventListener('input',function(){
      var q=input.value.trim().toLowerCase(), shown=0, rows=table.tBodies[0].rows;
      for(var i=0;i<rows.length;i++){var ok=!q||rows[i].textContent.toLowerCase().indexOf(q)>=0; rows[i].hidden=!ok; if(ok) shown++;}
      if(count) count.textContent=shown+' of '+rows.length+' rows';
    });
  });
})();
`;

function tableBlock(t: ReportTable, open = true, html: (t: ReportTable) => string = tableToHtml): string {
  const inner =
    `<div class="tools"><input type="search" placeholder="Filter rows…" aria-label="Filter ${h(t.title)}" data-filter="${h(t.id)}">` +
    `<span id="${h(t.id)}-count">${t.rows.length} rows</span>` +
    `<a href="tables/${h(t.id)}.csv">CSV</a><a href="tables/${h(t.id)}.md">Markdown</a></div>` +
    `<div class="scroll">${html(t)}</div>`;
  return open
    ? `<div class="block" id="block-${h(t.id)}"><h3>${h(t.title)}</h3>${fixNotes(inner)}</div>`
    : `<details class="block" id="block-${h(t.id)}"><summary>${h(t.title)} (${t.rows.length} rows)</summary>${fixNotes(inner)}</details>`;
}

/** Move the notes list out of the scrolling box so that it stays visible under the table. */
function fixNotes(html: string): string {
  // indexOf, not a lazy pattern anchored at the end (quadratic when the opening text repeats)
  const at = html.endsWith('</ul></div>') ? html.indexOf('</table><ul class="notes">') : -1;
  return at < 0 ? html : html.slice(0, at) + '</table></div>' + html.slice(at + '</table>'.length, html.length - '</div>'.length);
}

export function reportHtml(p: PageInputs): string {
  const s = p.summary;
  const L = p.methodology.spec.id.startsWith('idi') ? 'IDI' : 'Index';
  const ranks = p.result.methodology.ranked;
  const top = p.result.economies
    .filter((e) => e.ranked && e.rank != null)
    .sort((a, b) => a.rank! - b.rank!)
    .slice(0, 3);
  // An unranked index: no "top three"; the world's unweighted average and median instead (scores only).
  const world = p.result.economies
    .filter((e) => e.ranked && e.score !== null)
    .map((e) => e.score!)
    .sort((a, b) => a - b);
  const worldMedian = world.length ? (world.length % 2 ? world[(world.length - 1) / 2] : (world[world.length / 2 - 1] + world[world.length / 2]) / 2) : NaN;
  const worldMean = world.reduce((a, b) => a + b, 0) / world.length;
  const idiTables = p.tables.filter((t) => t.id.startsWith('idi-'));
  const priceTables = p.tables.filter((t) => t.id.startsWith('prices-'));
  const factsTables = p.tables.filter((t) => t.id.startsWith('facts-'));
  const cards = ranks
    ? [
        [String(s.economiesRanked), `economies ranked in ${L} ${s.edition} (data year ${s.dataYear})`],
        [String(s.economiesRankedPrevious), `economies ranked in ${L} ${s.edition - 1} (data year ${s.previousYear})`],
        [top.map((e) => e.economy).join(' · '), `top three: ${top.map((e) => `${p.name(e.economy)} ${e.score!.toFixed(2)}`).join(', ')}`],
      ]
    : [
        [String(s.economiesRanked), `economies with a score in ${L} ${s.edition} (reference year ${s.dataYear})`],
        [String(s.economiesRankedPrevious), `economies with a score in ${L} ${s.edition - 1} (reference year ${s.previousYear})`],
        [
          `${worldMean.toFixed(1)} · ${worldMedian.toFixed(1)}`,
          `world average and median ${L} ${s.edition} (unweighted; scores only, economies are not ranked)`,
        ],
      ];
  cards.push(
    [String(s.baskets.length), `price baskets with ${s.priceYear} values`],
    [String(p.tables.length), `tables (CSV, Markdown, HTML and the workbook ${p.workbook})`],
  );
  const unverified = p.methodology.unverified ?? [];
  const dropped = p.result.coverage.indicators.filter((c) => c.dropped).map((c) => c.indicator);
  const coverageRows = p.result.coverage.indicators
    .map(
      (c) =>
        `<tr><td>${h(c.indicator)}</td><td class="num">${c.observed}</td><td class="num">${c.earlier}</td><td class="num">${c.estimated}</td><td class="num">${Object.values(c.imputed).reduce((a, b) => a + b, 0)}</td><td class="num">${c.missing}</td><td>${c.dropped ? 'dropped: no data in our sources' : ''}</td></tr>`,
    )
    .join('');
  const sections = [
    `<section id="summary"><h2>Key figures</h2><div class="cards">${cards.map(([v, k]) => `<div class="card"><div class="v">${h(v)}</div><div class="k">${h(k)}</div></div>`).join('')}</div>` +
      (s.departures.length
        ? `<p class="warn"><strong>Departs from the published method:</strong> ${h(dropped.length ? `${dropped.join(' and ')} have no data in our sources; their sub-index is averaged over its other indicators.` : s.departures.join(' '))} See <a href="#methodology">Methodology</a>.</p>`
        : '') +
      `</section>`,
    `<section id="charts"><h2>Charts</h2><div class="charts">${p.charts.map((c) => `<figure id="chart-${h(c.id)}" data-chart="${h(c.id)}">${c.svg}<figcaption>${h(c.caption)}</figcaption></figure>`).join('')}</div></section>`,
    `<section id="idi"><h2>ICT Development Index ${s.edition}</h2>${idiTables.map((t, k) => tableBlock(t, k === 0 || t.id === 'idi-summary', p.tableHtml)).join('')}</section>`,
    `<section id="prices"><h2>ICT prices ${s.priceYear}</h2><p>Baskets with ${s.priceYear} values: ${p.priceBaskets.map((b) => `${h(b.name)} (<code>${h(b.id)}</code>)`).join('; ') || 'none'}.</p>${priceTables.map((t) => tableBlock(t, t.id === 'prices-groups' || t.id === 'prices-targets', p.tableHtml)).join('')}</section>`,
    `<section id="facts"><h2>Facts and Figures: world and regional estimates</h2><p>World and ITU-region figures as ITU computes them: each economy's percentage times its population, summed over the group and divided by its population, every missing economy estimated first. Beside each figure, the share of the group's population whose value is reported, an ITU estimate, ours, or missing (<code>ictstat estimates</code> gives every indicator and grouping).</p>${factsTables.map((t) => tableBlock(t, true, p.tableHtml)).join('')}</section>`,
    `<section id="methodology"><h2>Methodology notes</h2>` +
      `<p><strong>${h(p.methodology.spec.name)}</strong> (<code>${h(p.methodology.spec.id)}</code>; ${h(p.methodology.spec.source)}). ${h(p.methodology.spec.description ?? '')}</p>` +
      `<p>Edition ${s.edition} uses data year ${s.dataYear} and recomputes ${s.previousYear} with the same methodology and the same data vintage (as each MIS edition recomputed the previous year), so changes compare like with like. ${ranks ? 'Ranks come from unrounded scores; ties share the better rank.' : 'Scores only: the methodology does not rank economies (ITU, Resolution 131); tables show one decimal, rounded half up from the unrounded values, and changes are over the economies common to both editions. Estimated and imputed inputs are listed per economy in the scores table.'} Inputs older than the data year within the methodology's look-back window are used, and missing inputs are imputed by the methods the methodology lists (each imputed value is recorded in <code>ictstat idi --format json</code>).</p>` +
      (s.sensitivity
        ? `<h3>Uncertainty and sensitivity of the ${s.sensitivity.measure}s</h3><p>A Monte Carlo of ${s.sensitivity.scenarios.toLocaleString('en')} scenarios (base sample N = ${s.sensitivity.draws.toLocaleString('en')}, seed ${s.sensitivity.seed}; Saltelli's radial scheme) varies ${h(s.sensitivity.factors.map((f) => f.name).join(', '))}. Mean total Sobol index on the ${s.sensitivity.measure}s (the share of ${s.sensitivity.measure} variance each input is involved in): ${h(
            [...s.sensitivity.factors]
              .sort((a, b) => b.meanTotal - a.meanTotal)
              .map((f) => `${f.name} ${f.meanTotal.toFixed(2)}`)
              .join(', '),
          )}. Per economy: the table <code>idi-sensitivity</code>${s.sensitivity.measure === 'rank' ? ' and the rank-interval chart' : ' (score intervals: the index reports scores only)'}; <code>ictstat idi sensitivity</code> and <code>/v2/idi/{methodology}/{year}/sensitivity</code> run it with other options.</p>`
        : '') +
      `<h3>Departures from the published method</h3><ul>${s.departures.map((d) => `<li>${h(d)}</li>`).join('') || '<li>none</li>'}</ul>` +
      (dropped.length
        ? `<p class="warn">Our sources have no series for ${h(dropped.join(', '))} (international Internet bandwidth per user and households with a computer in the classic IDI), so the access sub-index is the mean of its other indicators and scores are not comparable one-to-one with ITU's published IDI. Supply them with <code>ictstat report --extra-data FILE</code>.</p>`
        : '') +
      (unverified.length
        ? `<h3>Methodology values not in our sources (unverified)</h3><ul>${unverified.map((u) => `<li><code>${h(u.path)}</code>: ${h(u.reason)}</li>`).join('')}</ul>`
        : '') +
      `<h3>Inputs by indicator, data year ${s.dataYear} (${ranks ? 'ranked and not ranked' : 'scored and not scored'} economies of the universe)</h3><div class="scroll"><table class="report-table" id="coverage"><thead><tr><th data-type="text">indicator</th><th data-type="integer">observed</th><th data-type="integer">earlier year</th><th data-type="integer">of which ITU estimates</th><th data-type="integer">imputed</th><th data-type="integer">missing</th><th data-type="text">note</th></tr></thead><tbody>${coverageRows}</tbody></table></div>` +
      `<h3>Prices</h3><p>Per-economy values are the published ITU basket values in US$, PPP$ and % of monthly GNI per capita. Group figures are unweighted medians and simple means through the shared group kernel; the medians over time are balanced (only economies with a value in every year), as in ITU's historical series. Affordability targets are data (<code>indicators/targets.json</code>); economies are ranked by % of GNI p.c., 1 = most affordable.</p></section>`,
    `<section id="sources"><h2>Data sources and licences</h2><p>Data vintage: ${h(p.vintage)}.</p>` +
      (p.sources.length
        ? `<table class="report-table" id="sources-table"><thead><tr><th data-type="text">source</th><th data-type="text">licence</th></tr></thead><tbody>${p.sources.map((x) => `<tr><td>${h(x.citation)}</td><td>${h(x.licence)}</td></tr>`).join('')}</tbody></table>`
        : '<p>User files given with --data: see their own terms.</p>') +
      `<p>Economy names: UN names in the six official languages (indicators/economies.json, from datasets/country-codes, PDDL); groupings: ITU regions from ITU's price releases, World Bank income classification FY2024 (CC BY 4.0), UN LDC/LLDC/SIDS lists. Map boundaries: Natural Earth (public domain) via the world-atlas package (ISC). ITU data are licensed CC BY-NC-SA 3.0 IGO: non-commercial use; cite "ITU" and the release.</p>` +
      `<p>Downloads: <a href="${h(p.workbook)}">${h(p.workbook)}</a> (one sheet per table, then Contents and Notes) and each table as CSV, Markdown and HTML in <code>tables/</code>; charts as SVG in <code>charts/</code>.</p></section>`,
  ];
  const nav = [
    ['summary', 'Key figures'],
    ['charts', 'Charts'],
    ['idi', L],
    ['prices', 'Prices'],
    ['facts', 'Facts and Figures'],
    ['methodology', 'Methodology'],
    ['sources', 'Sources'],
  ];
  return (
    `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n` +
    `<title>Measuring the Information Society ${s.edition}: tables and charts</title>\n<style>${CSS}</style>\n</head>\n<body>\n` +
    `<header><h1>Measuring the Information Society ${s.edition}: tables and charts</h1>` +
    `<p>${h(p.methodology.spec.name)} (${L} ${s.edition}, data year ${s.dataYear}; ${L} ${s.edition - 1}, data year ${s.previousYear}) and ICT prices ${s.priceYear}. Economy names: ${h(p.lang)}.</p>` +
    `<p>Data vintage: ${h(p.vintage)}</p></header>\n` +
    `<nav>${nav.map(([id, label]) => `<a href="#${id}">${h(label)}</a>`).join('')}</nav>\n<main>\n${sections.join('\n')}\n</main>\n` +
    `<footer>Regenerated by <code>ictstat report --edition ${s.edition} --methodology ${h(s.methodology)}${s.lang !== 'en' ? ` --lang ${h(s.lang)}` : ''}</code>. Same inputs, same files. Works offline: everything is in this file.</footer>\n` +
    `<script>${JS}</script>\n</body>\n</html>\n`
  );
}
