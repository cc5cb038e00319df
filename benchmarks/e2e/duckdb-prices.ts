/**
 * DuckDB peer of `prices compute` (a whole Node process): read_csv of the same tariff file at a given thread count
 * and a simplified basket in SQL (mobile, non-promotional 3G-5G plans of the year with at least the data allowance,
 * a month's purchases = ceil(30 / validity), cheapest per economy). Not ITU's rules (no voice/SMS shortfalls, add-ons,
 * operator or payment rules, VAT, conversions): a floor for reading and pricing the same plans. Prints the economies priced.
 */
import { DuckDBInstance } from '@duckdb/node-api';

const [file, year = '2022', dataMb = '2000', threads = '1'] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:', { threads });
const con = await db.connect();
const allowance = (c: string): string => `CASE WHEN lower(${c}) = 'unlimited' THEN 1e308 ELSE coalesce(TRY_CAST(${c} AS DOUBLE), 0) END`;
const r = await con.runAndReadAll(
  `SELECT count(*) FROM (
     SELECT economy, min(price * greatest(1, ceil(30.0 / validity_days))) AS cost
     FROM read_csv('${file.replace(/'/g, "''")}', header = true, all_varchar = true,
                   types = {'year': 'SMALLINT', 'price': 'DOUBLE', 'validity_days': 'DOUBLE'})
     WHERE year = ${Number(year)} AND lower(service) = 'mobile' AND lower(promotional) = 'false'
       AND upper(technology) IN ('3G', '4G', '5G') AND ${allowance('data_mb')} >= ${Number(dataMb)}
     GROUP BY economy)`,
);
process.stdout.write(`${String(r.getRows()[0][0])}\n`);
