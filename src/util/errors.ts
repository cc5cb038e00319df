/**
 * Errors caused by user input (a file, a flag, a methodology). The CLI prints their message
 * and exits with `exitCode`, never a stack trace; anything else is a bug and is reported as one.
 */
export class UserInputError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UserInputError';
    this.exitCode = exitCode;
  }
}
