import type { InputFormat } from './format.js';

/** An empty file, or one of white space only: refused. */
export const empty: InputFormat = {
  name: 'empty',
  description: 'an empty file or white space only (refused)',
  recognises: (s) => s.kind === 'empty',
  stoppedAs: () => 'unknown',
  async read(ctx) {
    ctx.fatal('empty-file', ctx.size === 0 ? 'the file is empty' : 'the file holds only white space');
    return { format: 'unknown' };
  },
};
