/**
 * DuckDB peer of `ictstat idi` (a whole Node process): the same bundled observations from a Parquet file, then the
 * methodology's normalise-aggregate-rank in SQL generated from the methodology file: the latest value within the
 * look-back window, fixed-parameter normalisations, weighted means renormalised over the inputs an economy has,
 * the coverage rule, ranks. Imputation is not done (the engine's imputed cells are the difference); prints
 * `economy,score,rank` of the ranked economies.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { loadMethodology } from '../../src/idi/methodology.js';
import { normalisationByCode } from '../../src/idi/normalisations/index.js';

const [parquet, methodologyId, yearText, universeFile] = process.argv.slice(2);
const m = loadMethodology(methodologyId);
const year = Number(yearText),
  back = m.spec.coverage?.latestWithin ?? 0;
const L = m.firstNode,
  N = m.parent.length;
const q = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const leafExpr = (k: number): string => {
  const name = normalisationByCode(m.method[k]).name,
    p1 = m.p1[k],
    p2 = m.p2[k];
  const clamp = (e: string): string => `least(greatest(${e}, 0), 1)`;
  if (name === 'ratio') return clamp(`value / ${p1}`);
  if (name === 'log-ratio') return `CASE WHEN value <= 1 THEN 0 ELSE ${clamp(`log10(value) / ${p1}`)} END`;
  if (name === 'goalposts') {
    const v = m.logScale[k] ? 'log10(value)' : 'value';
    const t = clamp(`(${v} - ${p1}) / ${p2 - p1}`);
    return m.direction[k] < 0 ? `1 - ${t}` : t;
  }
  throw new Error(`the SQL peer has no ${name} normalisation`);
};
// Nodes bottom-up as CTEs: each node = sum(weight x child) / sum(weight) over the children present.
const ctes: string[] = [];
ctes.push(`obs AS (SELECT economy, indicator, arg_max(value, year) AS value FROM read_parquet(${q(parquet)})
  WHERE indicator IN (${m.indicators.map(q).join(', ')}) AND year BETWEEN ${year - back} AND ${year}
    AND economy IN (SELECT economy FROM read_csv(${q(universeFile)}, header = true)) GROUP BY economy, indicator)`);
ctes.push(`e0 AS (SELECT economy, ${[...Array(L).keys()].map((k) => `max(CASE WHEN indicator = ${q(m.ids[k])} THEN ${leafExpr(k)} END) AS s${k}`).join(', ')},
  ${[...Array(L).keys()].map((k) => `(max(CASE WHEN indicator = ${q(m.ids[k])} THEN 1 END) IS NOT NULL)::INT`).join(' + ')} AS reported FROM obs GROUP BY economy)`);
let prev = 'e0';
for (let e = L; e < N; e++) {
  const kids = [...Array(e).keys()].filter((c) => m.parent[c] === e);
  const num = kids.map((c) => `coalesce(${m.weight[c]} * s${c}, 0)`).join(' + '),
    den = kids.map((c) => `(CASE WHEN s${c} IS NULL THEN 0 ELSE ${m.weight[c]} END)`).join(' + ');
  ctes.push(`e${e} AS (SELECT *, CASE WHEN (${den}) = 0 THEN NULL ELSE (${num}) / (${den}) END AS s${e} FROM ${prev})`);
  prev = `e${e}`;
}
const minIndicators = m.spec.coverage?.minIndicators ?? 0;
const sql = `WITH ${ctes.join(',\n')}
SELECT economy, s${N - 1} * ${m.spec.scale} AS score, rank() OVER (ORDER BY s${N - 1} DESC) AS rank FROM ${prev}
WHERE reported >= ${minIndicators} - ${'$dropped'} AND s${N - 1} IS NOT NULL ORDER BY rank, economy`;
const db = await DuckDBInstance.create(':memory:', { threads: '1' });
const con = await db.connect();
// Leaves with no value for any economy are dropped, and the coverage rule lowered by as many (as the engine does).
const present = (
  await con.runAndReadAll(
    `SELECT count(DISTINCT indicator) FROM read_parquet(${q(parquet)}) WHERE indicator IN (${m.indicators.map(q).join(', ')}) AND year BETWEEN ${year - back} AND ${year}`,
  )
).getRows()[0][0];
const rows = (await con.runAndReadAll(sql.replace('$dropped', String(L - Number(present))))).getRows();
process.stdout.write('economy,score,rank\n' + rows.map((r) => `${String(r[0])},${String(r[1])},${String(r[2])}`).join('\n') + '\n');
