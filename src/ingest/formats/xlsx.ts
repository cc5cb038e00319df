import type { SheetSummary } from '../xlsx.js';
import { readWhole, type InputFormat } from './format.js';

/** An Excel workbook (.xlsx): each sheet read in the layout its header gives; findings name sheet and cell. */
export const xlsx: InputFormat = {
  name: 'xlsx',
  description: 'Excel workbook (.xlsx): every sheet in a CSV layout or ITU questionnaire',
  recognises: (s) => s.kind === 'xlsx',
  stoppedAs: () => 'xlsx',
  cells: true,
  structuralRules: ['bad-xlsx', 'zip-bomb', 'xml-dtd', 'too-many-strings', 'merged-header'],
  async read(ctx) {
    const bytes = readWhole(ctx, 'workbooks');
    ctx.onProgress?.(ctx.size, ctx.size);
    // The workbook reader (ExcelJS) is loaded only when a workbook is read.
    const { SHEET_LINE_SPAN, WorkbookRefused, readWorkbookObservations, readWorkbookSheets } = await import('../xlsx.js');
    let sheets: SheetSummary[] | undefined;
    try {
      const book = await readWorkbookSheets(bytes, ctx.workbookLimits);
      sheets = readWorkbookObservations(book, { file: ctx.file, indicator: ctx.indicator }, ctx.log, ctx.accept, ctx.fatal);
    } catch (e) {
      if (!(e instanceof WorkbookRefused)) throw e;
      ctx.fatal(e.rule, e.message);
    }
    const named = sheets;
    return {
      format: 'xlsx',
      sheets,
      lineName: named ? (line) => `[${named[Math.floor(line / SHEET_LINE_SPAN)]?.name}] row ${line % SHEET_LINE_SPAN}` : undefined,
    };
  },
};
