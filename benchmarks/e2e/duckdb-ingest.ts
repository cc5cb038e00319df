/** DuckDB peer (a whole Node process): read_csv of a canonical observation CSV at a given thread count; prints the row count. */
import { DuckDBInstance } from '@duckdb/node-api';

const [file, threads = '1'] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:', { threads });
const con = await db.connect();
const r = await con.runAndReadAll(
  `SELECT count(*) AS n, count(DISTINCT economy) AS e FROM read_csv('${file.replace(/'/g, "''")}', header = true, types = {'economy': 'VARCHAR', 'indicator': 'VARCHAR', 'year': 'SMALLINT', 'value': 'DOUBLE', 'note': 'VARCHAR', 'source': 'VARCHAR', 'series_code': 'VARCHAR'})`,
);
process.stdout.write(`${String(r.getRows()[0][0])}\n`);
