/**
 * `-m string` (revision 1, libxt_string, xt_string.c): a byte pattern searched for in the packet
 * between offsets `--from` and `--to` (0 and 65535 by default) with the kernel's text-search
 * algorithm `--algo bm|kmp` (required), optionally ignoring case. The pattern is given as
 * `--string TEXT` or `--hex-string` (`|41 42|` blocks of hex bytes mixed with text, `\` quoting
 * one character); either way it is saved as `--string "…"` when every byte is printable ASCII
 * and the last is not `\`, else as `--hex-string "|…|"`.
 *
 * Packet behaviour (`string_mt` → `skb_find_text`): the text searched starts `--from` bytes into
 * the packet counted from the IP header (the skb data at the IP hooks) and ends at the end of the
 * packet (`skb->len`); the first occurrence found counts only when it lies wholly before byte
 * `--to` (`ret + patlen <= to - from`: the 2023 fix "skb_find_text: Ignore patterns extending
 * past 'to'", older than 6.12; before it only the start was bounded; checked on a 6.18 kernel).
 * With `--from` equal to `--to` nothing is searched at all. `--icase` compares
 * through the kernel's Latin-1 `toupper` (lib/ctype.c: 0xdf–0xff but 0xf7 are lower case). Both
 * algorithms run as lib/ts_bm.c and lib/ts_kmp.c do over one block of text: natsim's packet is
 * one linear buffer, so a pattern spanning skb fragments (which bm misses) does not arise. KMP
 * finds the first occurrence; bm, with `--icase`, can step over an occurrence of a non-ASCII byte
 * whose case partner is not in its bad-character table, exactly as the kernel does (checked on a
 * real kernel: pattern `|ff|a` misses text `Z|ff|a` with bm, finds it with kmp). No hotdrop,
 * no fragment special case (every fragment is searched), both families.
 */
import type { Packet } from '../../packet.js';
import { beyondCapture, heldLen, skbLen } from '../skb-bytes.js';
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

/** lib/ctype.c's `_L` class: a–z, ß (0xdf) to ö (0xf6), ø (0xf8) to ÿ (0xff). */
function kIsLower(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0xdf && c <= 0xff && c !== 0xf7);
}

/** lib/ctype.c's `_U` class: A–Z, À (0xc0) to Ö (0xd6), Ø (0xd8) to Þ (0xde). */
function kIsUpper(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0xc0 && c <= 0xde && c !== 0xd7);
}

/** The kernel's `toupper` (include/linux/ctype.h): lower-case class minus 0x20. */
export function kernelToupper(c: number): number {
  return kIsLower(c) ? c - 0x20 : c;
}

/** The kernel's `tolower`: upper-case class plus 0x20. */
export function kernelTolower(c: number): number {
  return kIsUpper(c) ? c + 0x20 : c;
}

/** A prepared text search (`textsearch_prepare`): the pattern as the algorithm keeps it and its tables. */
export type TextSearch =
  | { algo: 'bm'; pattern: Uint8Array; icase: boolean; badShift: Int32Array; goodShift: Int32Array }
  | { algo: 'kmp'; pattern: Uint8Array; icase: boolean; prefix: Int32Array };

/** ts_bm's `subpattern`: whether the g bytes ending at i+g−1 recur ending at j+g−1 with a different byte before. */
function subpattern(p: Uint8Array, i: number, j: number, g: number): boolean {
  let x = i + g - 1;
  let y = j + g - 1;
  while (p[x--] === p[y--]) {
    if (y < 0) return true;
    if (--g === 0) return p[i - 1] !== p[j - 1];
  }
  return false;
}

/** Prepare `algo` for the pattern, as bm_init / kmp_init do (the pattern upper-cased for `--icase`). */
export function prepareTextSearch(algo: 'bm' | 'kmp', raw: Uint8Array, icase: boolean): TextSearch {
  const pattern = icase ? raw.map(kernelToupper) : raw.slice();
  const n = pattern.length;
  if (algo === 'kmp') {
    const prefix = new Int32Array(n);
    for (let k = 0, q = 1; q < n; q++) {
      while (k > 0 && pattern[k] !== pattern[q]) k = prefix[k - 1]!;
      if (pattern[k] === pattern[q]) k++;
      prefix[q] = k;
    }
    return { algo, pattern, icase, prefix };
  }
  const badShift = new Int32Array(256).fill(n);
  for (let i = 0; i < n - 1; i++) {
    badShift[pattern[i]!] = n - 1 - i;
    if (icase) badShift[kernelTolower(pattern[i]!)] = n - 1 - i;
  }
  const goodShift = new Int32Array(n).fill(n);
  goodShift[0] = 1;
  for (let i = n - 1, g = 1; i > 0; g++, i--) {
    for (let j = i - 1; j >= 1 - g; j--) {
      if (subpattern(pattern, i, j, g)) {
        goodShift[g] = n - j - g;
        break;
      }
    }
  }
  return { algo, pattern, icase, badShift, goodShift };
}

/** The search over one block `text[start, end)`: offset of the match found from `start`, or -1 (bm_find / kmp_find). */
export function textSearchFind(ts: TextSearch, text: Uint8Array, start: number, end: number): number {
  const p = ts.pattern;
  const n = p.length;
  const len = end - start;
  const at = (k: number): number => (ts.icase ? kernelToupper(text[start + k]!) : text[start + k]!);
  if (ts.algo === 'kmp') {
    let q = 0;
    for (let i = 0; i < len; i++) {
      const c = at(i);
      while (q > 0 && p[q] !== c) q = ts.prefix[q - 1]!;
      if (p[q] === c) q++;
      if (q === n) return i + 1 - n;
    }
    return -1;
  }
  let shift = n - 1;
  while (shift < len) {
    let i = 0;
    while (i < n && at(shift - i) === p[n - 1 - i]) i++;
    if (i === n) return shift - (n - 1);
    const bs = ts.badShift[text[start + shift - i]!]!;
    shift = Math.max(shift - i + bs, shift + ts.goodShift[i]!);
  }
  return -1;
}

/** `skb_find_text(skb, from, to)` ≠ UINT_MAX: the first occurrence at or after `from` lies wholly before `to`. */
export function findInPacket(ts: TextSearch, pkt: Packet, from: number, to: number): boolean {
  const len = skbLen(pkt);
  const n = ts.pattern.length;
  // skb_seq_read gives no block once the offset reaches `to`, nor past the data.
  if (from >= to || from >= len) return false;
  const held = heldLen(pkt);
  const found = from < held ? textSearchFind(ts, pkt.data, from, held) : -1;
  if (found >= 0) return found + n <= to - from;
  // Not in the bytes held: a cut capture leaves open the starts that end past them but by `to`.
  const lo = Math.max(from, held - n + 1);
  const hi = Math.min(to, len) - n;
  if (held < len && lo <= hi) throw beyondCapture(pkt, `-m string (an occurrence starting at byte ${lo}..${hi})`, held, hi + n);
  return false;
}

/** The string match. */
export const string: MatchExtension<StringState, TextSearch> = {
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
  /** The text-search configuration, made once per rule as `string_mt_check` prepares it. */
  // check() has refused every algorithm but bm and kmp before a ruleset is compiled.
  init: (s) => prepareTextSearch(s.algo as 'bm' | 'kmp', s.pattern!, s.icase),
  /** Whether the pattern occurs within bytes [--from, --to) of the packet, XOR `!` (`string_mt`). */
  match: (s, pkt, ts) => findInPacket(ts, pkt, s.from, s.to) !== s.invert,
};
