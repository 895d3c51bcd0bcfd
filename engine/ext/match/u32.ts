/**
 * `-m u32 [!] --u32 TESTS` (libxt_u32, xt_u32.c): up to 10 tests joined by `&&`, each a
 * location (a number followed by up to 9 `& n`, `<< n`, `>> n` or `@ n` steps that read 32-bit
 * words of the packet) and up to 10 values or `min:max` ranges after `=`, separated by commas.
 * Numbers are C base-0 32-bit values; white space is allowed between tokens. Saved in quotes with
 * every number in lower-case hex: `"0x0>>0x16&0x3c@0xc=0x50000000"`.
 *
 * Packet behaviour (`u32_mt` / `u32_match_it`): offsets count from the IP header (the skb data at
 * the IP hooks) and reads are big-endian 32-bit words that must lie wholly inside `skb->len`
 * (`pkt.length`); a read past the end makes the whole match false (then XOR `!`), it never
 * hot-drops. `@` adds the value to the running base and reads at base + number, and fails when
 * the base would wrap past 2³². A `<<` or `>>` by 32 or more is refused when the table is
 * committed (checkentry, EINVAL: measured on Linux 6.18; older kernels took it and shifted by the
 * count mod 32, as the shift instructions do). A test passes when the value is
 * in one of its ranges; every test must pass. Both families, fragments read like any packet.
 */
import type { Packet } from '../../packet.js';
import { beyondCapture, heldLen, skbLen } from '../skb-bytes.js';
import type { MatchExtension, ParseContext } from '../types.js';
import { strtouiPrefix } from '../xtopt.js';

/** XT_U32_MAXSIZE: the most tests, location steps and values. */
export const U32_MAXSIZE = 10;

/** An operator before a location number. */
export type U32Op = '&' | '<<' | '>>' | '@';

/** One `location=values` test. */
export interface U32Test {
  /** The first number, then each step with its operator. */
  location: { op: U32Op | null; number: number }[];
  /** Inclusive ranges. */
  values: [number, number][];
}

/** Parsed options: the kernel's `struct xt_u32`. */
export interface U32State { tests: U32Test[]; invert: boolean; given: boolean }

const isSpace = (c: string | undefined): boolean => c !== undefined && ' \t\n\v\f\r'.includes(c);

/** Parse the test grammar exactly as libxt_u32's `u32_parse` does (positions are 0-based). */
export function parseU32(ctx: ParseContext, arg: string): U32Test[] {
  const fail = (msg: string): never => ctx.fail(`u32: ${msg}`);
  let p = 0;
  const number = (): number => {
    const r = strtouiPrefix(arg.slice(p));
    if (r === null) fail(`at char ${p}: not a number or out of range`);
    p = arg.length - r!.rest.length;
    return r!.value;
  };
  const tests: U32Test[] = [];
  let ct: U32Test = { location: [], values: [] };
  let readingValues = false;
  for (;;) {
    while (isSpace(arg[p])) p++;
    if (p >= arg.length) {
      if (!readingValues) fail('abrupt end of input after location specifier');
      if (ct.values.length === 0) fail('test ended with no value specified');
      tests.push(ct);
      if (tests.length > U32_MAXSIZE) fail(`at char ${p}: too many "&&"s (at most ${U32_MAXSIZE} tests)`);
      return tests;
    }
    if (!readingValues) {
      if (arg[p] === '=') {
        if (ct.location.length === 0) fail(`at char ${p}: location spec missing`);
        p++;
        readingValues = true;
        continue;
      }
      let op: U32Op | null = null;
      if (ct.location.length !== 0) {
        const c = arg[p];
        if (c === '&') op = '&';
        else if (c === '<' || c === '>') {
          p++;
          if (arg[p] !== c) fail(`at char ${p}: a second '${c}' was expected`);
          op = c === '<' ? '<<' : '>>';
        } else if (c === '@') op = '@';
        else fail(`at char ${p}: operator expected`);
        p++;
      }
      const n = number();
      ct.location.push({ op, number: n });
      if (ct.location.length > U32_MAXSIZE) fail(`at char ${p}: too many operators (at most ${U32_MAXSIZE} numbers in a location)`);
    } else if (arg[p] === '&') {
      p++;
      if (arg[p] !== '&') fail(`at char ${p}: a second '&' was expected`);
      if (ct.values.length === 0) fail(`at char ${p}: value spec missing`);
      tests.push(ct);
      if (tests.length >= U32_MAXSIZE + 1) fail(`at char ${p}: too many "&&"s (at most ${U32_MAXSIZE} tests)`);
      ct = { location: [], values: [] };
      p++;
      readingValues = false;
    } else {
      if (ct.values.length > 0) {
        if (arg[p] !== ',') fail(`at char ${p}: expected "," or "&&"`);
        p++;
      }
      const min = number();
      while (isSpace(arg[p])) p++;
      let max = min;
      if (arg[p] === ':') {
        p++;
        max = number();
      }
      ct.values.push([min, max]);
      if (ct.values.length > U32_MAXSIZE) fail(`at char ${p}: too many ","s (at most ${U32_MAXSIZE} values)`);
    }
  }
}

const hx = (n: number): string => '0x' + n.toString(16);

/** The tests as iptables-save prints them, inside double quotes. */
export function formatU32(tests: readonly U32Test[]): string {
  const parts = tests.map((t) => {
    const loc = t.location.map((l) => (l.op ?? '') + hx(l.number)).join('');
    const vals = t.values.map(([a, b]) => (a === b ? hx(a) : `${hx(a)}:${hx(b)}`)).join(',');
    return `${loc}=${vals}`;
  });
  return `"${parts.join('&&')}"`;
}

/** The big-endian word at `off` (inside skb->len); stops loudly when a cut capture lacks it. */
function word(pkt: Packet, off: number): number {
  if (off + 4 > heldLen(pkt)) throw beyondCapture(pkt, '-m u32', off, off + 4);
  const d = pkt.data;
  return ((d[off]! << 24) | (d[off + 1]! << 16) | (d[off + 2]! << 8) | d[off + 3]!) >>> 0;
}

/** `u32_match_it`: whether every test's value falls in one of its ranges. */
export function u32Matches(tests: readonly U32Test[], pkt: Packet): boolean {
  const len = skbLen(pkt);
  for (const t of tests) {
    let at = 0;
    let pos = t.location[0]!.number;
    if (len < 4 || pos > len - 4) return false;
    let val = word(pkt, pos);
    for (let i = 1; i < t.location.length; i++) {
      const { op, number } = t.location[i]!;
      switch (op) {
        case '&':
          val = (val & number) >>> 0;
          break;
        case '<<':
          val = (val << number) >>> 0;
          break;
        case '>>':
          val = val >>> number;
          break;
        case '@':
          if (at + val > 0xffffffff) return false;
          at += val;
          pos = number;
          if (at + 4 > 0xffffffff || len < at + 4 || pos > len - at - 4) return false;
          val = word(pkt, at + pos);
          break;
      }
    }
    if (!t.values.some(([min, max]) => min <= val && val <= max)) return false;
  }
  return true;
}

/** The u32 match. */
export const u32: MatchExtension<U32State> = {
  kind: 'match',
  name: 'u32',
  options: [{ name: 'u32', args: 1, invert: true }],
  create: () => ({ tests: [], invert: false, given: false }),
  parse(s, _opt, [arg], invert, ctx) {
    s.tests = parseU32(ctx, arg!);
    s.invert = invert;
    s.given = true;
  },
  finalCheck(s, ctx) {
    if (!s.given) ctx.fail('option "--u32" must be specified');
  },
  /** `u32_mt_checkentry`: a shift by 32 or more (undefined in C) is refused. */
  check(s) {
    for (const t of s.tests) {
      for (const step of t.location) {
        if ((step.op === '<<' || step.op === '>>') && step.number >= 32) return `u32: a shift by ${step.number} (${step.op}): the kernel refuses shifts of 32 or more (Invalid argument)`;
      }
    }
    return null;
  },
  save: (s) => `${s.invert ? ' !' : ''} --u32 ${formatU32(s.tests)}`,
  /** All tests on the packet's bytes, XOR `!` (`u32_mt`); never hot-drops. */
  match: (s, pkt) => u32Matches(s.tests, pkt) !== s.invert,
};
