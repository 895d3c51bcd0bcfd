/** Reading the user's input files (`-` is standard input), with errors that name the file. */
import { readFileSync } from 'node:fs';
import { NatsimError, EXIT_BAD_INPUT } from '../engine/errors.js';

/** Stands for `-` (standard input) on the command line; yargs drops a bare `-` from positionals. */
export const STDIN_ARG = '\u0000stdin';

/** Whether a file argument means standard input. */
export function isStdin(path: string): boolean {
  return path === '-' || path === STDIN_ARG;
}

/** The text of a file, or of standard input for `-`. */
export function readInput(path: string): string {
  try {
    return readFileSync(isStdin(path) ? 0 : path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new NatsimError('IO', `cannot read ${isStdin(path) ? 'standard input' : path}: ${why}`, { file: displayName(path) }, EXIT_BAD_INPUT);
  }
}

/** The name an input is reported under. */
export function displayName(path: string): string {
  return isStdin(path) ? '<stdin>' : path;
}
