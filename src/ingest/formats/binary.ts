import type { InputFormat } from './format.js';

/** Binary content no format reads (UTF-16 text, a legacy or encrypted workbook, NUL or control bytes): refused, saying what to do. */
export const binary: InputFormat = {
  name: 'binary',
  description: 'binary content that no format reads (refused, with what to save it as)',
  recognises: (s) => s.kind === 'binary',
  stoppedAs: () => 'unknown',
  async read(ctx) {
    const s = ctx.sniffed;
    ctx.fatal(
      'binary-file',
      s.utf16
        ? 'the file is UTF-16 text; save it as UTF-8 (or Latin-1) CSV'
        : s.compoundFile
          ? 'a legacy Excel .xls workbook or a password-protected one: save it as .xlsx (Excel Workbook) without a password'
          : 'the file is binary (not CSV, JSON, Arrow IPC, Parquet or an Excel workbook): it holds NUL or control bytes',
    );
    return { format: 'unknown' };
  },
};
