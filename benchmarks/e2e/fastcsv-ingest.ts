/** Today's path as a plain Node script: fast-csv parses the canonical CSV into row objects; prints the row count. */
import { createReadStream } from 'node:fs';
import { parse } from 'fast-csv';

const [file] = process.argv.slice(2);
let n = 0;
await new Promise<void>((resolve, reject) => {
  createReadStream(file)
    .pipe(parse({ headers: true }))
    .on('data', (row: Record<string, string>) => {
      if (row.economy && Number.isFinite(Number(row.value))) n++;
    })
    .on('error', reject)
    .on('end', () => resolve());
});
process.stdout.write(`${n}\n`);
