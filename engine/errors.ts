/**
 * Errors natsim reports to users: each has a code, an exit status and, where it is known, the
 * place in the input (file, line, column, or packet index and byte offset) it is about.
 */

/** Where in the user's input an error was found. */
export interface SourceLocation {
  file?: string;
  line?: number;
  col?: number;
  /** Packet index (0-based) and byte offset, for captures. */
  packet?: number;
  offset?: number;
}

/** Exit statuses, as iptables uses them: 1 other, 2 bad parameter or input, 4 resource. */
export const EXIT_OTHER = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_RESOURCE = 4;

/** Machine-readable kinds of error. */
export type ErrorCode =
  | 'PARSE'          // a token or line that does not parse
  | 'RULESET'        // a ruleset the kernel would refuse (bad jump, loop, hook restriction…)
  | 'USAGE'          // a bad command-line parameter
  | 'IO'             // a file that cannot be read or written
  | 'NOT_IMPLEMENTED'// a feature natsim does not model yet; never silently ignored
  | 'INTERNAL';

/** A user-facing error: one line of text, a code and a location. */
export class NatsimError extends Error {
  readonly code: ErrorCode;
  loc: SourceLocation;
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, loc: SourceLocation = {}, exitCode = EXIT_BAD_INPUT) {
    super(message);
    this.name = 'NatsimError';
    this.code = code;
    this.loc = loc;
    this.exitCode = exitCode;
  }

  /** `FILE:LINE:COL: message` (the parts that are known). */
  format(): string {
    const l = this.loc;
    const parts: string[] = [];
    if (l.file !== undefined) parts.push(l.file);
    if (l.line !== undefined) parts.push(String(l.line));
    if (l.line !== undefined && l.col !== undefined) parts.push(String(l.col));
    let where = parts.join(':');
    if (l.packet !== undefined) where += `${where ? ': ' : ''}packet ${l.packet}`;
    if (l.offset !== undefined) where += `${where ? ', ' : ''}byte offset ${l.offset}`;
    return where ? `${where}: ${this.message}` : this.message;
  }
}

/** An error in a ruleset's text: a parameter or token iptables would refuse. */
export function parseError(message: string, loc: SourceLocation = {}): NatsimError {
  return new NatsimError('PARSE', message, loc);
}

/** A ruleset that parses but that the kernel would refuse to load. */
export function rulesetError(message: string, loc: SourceLocation = {}): NatsimError {
  return new NatsimError('RULESET', message, loc);
}
