/**
 * `-m string` (revision 1, libxt_string, xt_string.c): a byte pattern searched for in the packet
 * between offsets `--from` and `--to` (0 and 65535 by default) with the kernel's text-search
 * algorithm `--algo bm|kmp` (required), optionally ignoring case. The pattern is given as
 * `--string TEXT` or `--hex-string` (`|41 42|` blocks of hex bytes mixed with text, `\` quoting
 * one character); either way it is saved as `--string "…"` when every byte is printable ASCII
 * and the last is not `\`, else as `--hex-string "|…|"`.
 */
import type { MatchExtension, ParseContext } from '../types.js';
import { strtouiWhole } from '../xtopt.js';

/** XT_STRING_MAX_PATTERN_SIZE. */
export const MAX_PATTERN = 128;

/** Text-search algorithms this kernel offers (lib/ts_*.c). */
const ALGOS = new Set(['bm', 'kmp']);

/** Longest algorithm name stored (XT_STRING_MAX_ALGO_NAME_SIZE − 1); longer ones are cut. */
const MAX_ALGO = 15;

/** Parsed options: the kernel's `xt_string_info` (revision 1). */
export interface StringState {
  from: number;
  to: number;
  algo: string | null;
  pattern: Uint8Array | null;
  invert: boolean;
  icase: boolean;
}

/** `--string`: the text's bytes as they are, at most 128. */
function parsePlain(ctx: ParseContext, text: string): Uint8Array {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > MAX_PATTERN) ctx.fail(`STRING too long "${text}" (at most ${MAX_PATTERN} bytes)`);
  return new Uint8Array(bytes);
}

const isXdigit = (c: number | undefined): boolean => c !== undefined && /[0-9A-Fa-f]/.test(String.fromCharCode(c));

/** `--hex-string`, read exactly as libxt_string's `parse_hex_string` reads it. */
export function parseHexPattern(ctx: ParseContext, text: string): Uint8Array {
  const s = Buffer.from(text, 'utf8');
  const slen = s.length;
  if (slen === 0) ctx.fail('STRING must contain at least one char');
  const out: number[] = [];
  const BS = 0x5c, BAR = 0x7c, SP = 0x20;
  let i = 0;
  let hex = false;
  let literal = false;
  while (i < slen) {
    if (out.length >= MAX_PATTERN) ctx.fail(`STRING too long "${text}" (at most ${MAX_PATTERN - 1} bytes before a closing |)`);
    if (s[i] === BS && !hex) {
      literal = true;
    } else if (s[i] === BS) {
      ctx.fail('Cannot include literals in hex data');
    } else if (s[i] === BAR) {
      if (hex) {
        hex = false;
      } else {
        hex = true;
        while (s[i + 1] === SP) i++;
      }
      if (i + 1 >= slen) break;
      i++;
    }
    if (literal) {
      if (i + 1 >= slen) ctx.fail('Bad literal placement at end of string');
      out.push(s[i + 1]!);
      i += 2;
      literal = false;
    } else if (hex) {
      if (i + 1 >= slen) ctx.fail('Odd number of hex digits');
      if (i + 2 >= slen) ctx.fail('Invalid hex block (a hex block must end with |)');
      if (!isXdigit(s[i])) ctx.fail(`Invalid hex char '${String.fromCharCode(s[i]!)}'`);
      if (!isXdigit(s[i + 1])) ctx.fail(`Invalid hex char '${String.fromCharCode(s[i + 1]!)}'`);
      out.push(parseInt(String.fromCharCode(s[i]!, s[i + 1]!), 16));
      i += s[i + 2] === SP ? 3 : 2;
    } else {
      out.push(s[i]!);
      i++;
    }
  }
  return new Uint8Array(out);
}

/** libxt_string `is_hex_string`: any byte outside printable ASCII, or a trailing `\`. */
function needsHex(p: Uint8Array): boolean {
  for (const b of p) if (b < 0x20 || b > 0x7e) return true;
  return p.length > 0 && p[p.length - 1] === 0x5c;
}

/** The pattern as iptables-save prints it, with its option name. */
function formatPattern(p: Uint8Array): string {
  if (needsHex(p)) return ` --hex-string "|${Buffer.from(p).toString('hex')}|"`;
  let t = '';
  for (const b of p) t += (b === 0x22 || b === 0x5c ? '\\' : '') + String.fromCharCode(b);
  return ` --string "${t}"`;
}

/** The string match. */
export const string: MatchExtension<StringState> = {
  kind: 'match',
  name: 'string',
  options: [
    { name: 'from', args: 1 },
    { name: 'to', args: 1 },
    { name: 'algo', args: 1 },
    { name: 'string', args: 1, invert: true },
    { name: 'hex-string', args: 1, invert: true },
    { name: 'icase', args: 0 },
  ],
  create: () => ({ from: 0, to: 65535, algo: null, pattern: null, invert: false, icase: false }),
  parse(s, opt, [arg], invert, ctx) {
    switch (opt) {
      case 'from':
      case 'to': {
        const n = strtouiWhole(arg!, 0, 65535);
        if (n === null) return ctx.fail(`bad value for option "--${opt}", or out of range (0-65535).`);
        if (opt === 'from') s.from = n;
        else s.to = n;
        return;
      }
      case 'algo': {
        const bytes = Buffer.from(arg!, 'utf8');
        s.algo = bytes.length > MAX_ALGO ? bytes.subarray(0, MAX_ALGO).toString('utf8') : arg!;
        return;
      }
      case 'string':
      case 'hex-string':
        if (s.pattern !== null) ctx.fail('option "--string" cannot be used together with "--hex-string"');
        s.pattern = opt === 'string' ? parsePlain(ctx, arg!) : parseHexPattern(ctx, arg!);
        s.invert = invert;
        return;
      case 'icase':
        s.icase = true;
        return;
    }
  },
  finalCheck(s, ctx) {
    if (s.algo === null) ctx.fail('option "--algo" must be specified');
    if (s.pattern === null) ctx.fail("STRING match: You must specify `--string' or `--hex-string'");
  },
  check(s) {
    if (s.from > s.to) return `string: --from ${s.from} is beyond --to ${s.to}`;
    if (!ALGOS.has(s.algo!)) return `string: no text-search algorithm "${s.algo}" in the kernel (use bm or kmp)`;
    if (s.pattern!.length === 0) return 'string: the kernel refuses an empty pattern';
    return null;
  },
  save(s) {
    let out = `${s.invert ? ' !' : ''}${formatPattern(s.pattern!)} --algo ${s.algo}`;
    if (s.from !== 0) out += ` --from ${s.from}`;
    if (s.to !== 65535) out += ` --to ${s.to}`;
    if (s.icase) out += ' --icase';
    return out;
  },
};
