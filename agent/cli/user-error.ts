import { readFileSync } from 'node:fs';

/** A failure the user can fix (config, environment); the CLI prints only its message, no stack. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** A file a flag names, or a usage error naming the flag, the file and why (never a stack trace). */
export function readFlagFile(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new UserError(`${flag}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 2);
  }
}
