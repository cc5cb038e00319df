import type { Table } from 'apache-arrow';
import { acceptColumns, readWhole, type InputFormat } from './format.js';

/** Arrow IPC (file or stream) with the canonical columns; the line of a row is its row number. */
export const arrow: InputFormat = {
  name: 'arrow',
  description: 'Arrow IPC file or stream with the canonical columns',
  recognises: (s) => s.kind === 'arrow-file' || s.kind === 'arrow-stream',
  stoppedAs: (s) => s.kind,
  async read(ctx) {
    const format = ctx.sniffed.kind; // arrow-file or arrow-stream
    const bytes = readWhole(ctx);
    const { tableFromIPC } = await import('apache-arrow');
    let table: Table;
    try {
      table = tableFromIPC(bytes);
    } catch (e) {
      ctx.fatal('bad-arrow', `cannot read Arrow IPC: ${(e as Error).message}`);
      return { format };
    }
    acceptColumns(
      table.schema.fields.map((f) => f.name),
      table.numRows,
      (name) => table.getChild(name),
      'bad-arrow',
      'Arrow table',
      ctx,
    );
    return { format };
  },
};
