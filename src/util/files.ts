import { statSync } from 'node:fs';
import { UserInputError } from './errors.js';

/** The size of an input file, or a UserInputError that says why it cannot be read (missing, a directory, ...). */
export function inputFileSize(file: string, what = 'file'): number {
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new UserInputError(`${file}: not a file`);
    return st.size;
  } catch (e) {
    if (e instanceof UserInputError) throw e;
    throw new UserInputError(`${file}: cannot read ${what}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}
