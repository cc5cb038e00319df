/**
 * Errors caused by user input (a file, an option, a methodology). Each surface prints the message and never a
 * stack trace (the CLI exits with `exitCode`, the API answers 4xx); anything else is a bug and is reported as one.
 *
 * An error about an option names it by its library name (`field`, e.g. `asOf`, `draws`); a surface renders it in
 * its own vocabulary (`--as-of` on the command line, `asof` in the API) with `describe`.
 */
export interface InputErrorDetails {
  /** A stable code for programs (`invalid-option`, `no-store`, `rejected-input`, ...). */
  code?: string;
  /** The option at fault, by its library name (camelCase). */
  field?: string;
  /** The offending value. */
  value?: unknown;
  exitCode?: number;
}

type Message = string | ((field: string) => string);

export class UserInputError extends Error {
  readonly exitCode: number;
  readonly code: string;
  readonly field?: string;
  readonly value?: unknown;
  private readonly template: Message;
  constructor(message: Message, details: InputErrorDetails | number = {}) {
    const d = typeof details === 'number' ? { exitCode: details } : details;
    super(typeof message === 'function' ? message(d.field ?? 'value') : message);
    this.name = 'UserInputError';
    this.template = message;
    this.exitCode = d.exitCode ?? 2;
    this.code = d.code ?? 'invalid-input';
    this.field = d.field;
    this.value = d.value;
  }

  /** The message with the option named as a surface names it (`--as-of`, `asof`); unchanged without a field. */
  describe(nameOf: (field: string) => string): string {
    if (typeof this.template !== 'function' || this.field === undefined) return this.message;
    return this.template(nameOf(this.field));
  }
}

/** An option with a value outside its rule: the message is written with the option's name left to the surface. */
export function invalidOption(field: string, value: unknown, message: (name: string) => string): UserInputError {
  return new UserInputError(message, { code: 'invalid-option', field, value });
}

/** An input (a file, a buffer, a table) that cannot be used. */
export function invalidInput(code: string, value: unknown, message: string): UserInputError {
  return new UserInputError(message, { code, value });
}

/** camelCase library name -> the command line's `--kebab-case` flag. */
export const cliFlag = (field: string): string => '--' + field.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
