/**
 * C number parsing as libxtables does it: `strtoumax` with a base (leading white space, an
 * optional sign, `0x` hex and `0` octal in base 0), wrapped as `xtables_strtoul`, which refuses a
 * leading `-` and out-of-range values and may leave the rest of the text to the caller.
 */

const SPACE = /^[ \t\n\v\f\r]*/;

/** Largest value of `uintmax_t`; a larger number sets ERANGE. */
const UINTMAX = (1n << 64n) - 1n;

/** The value of one digit in a base, or -1. */
function digit(c: string, base: number): number {
  const d = parseInt(c, 36);
  return Number.isNaN(d) || d >= base ? -1 : d;
}

/**
 * C `strtoumax(text, &end, base)`: the value (saturated at 2⁶⁴−1, with `overflow` set) and the
 * unparsed rest; null when no digit was read (end would equal the start).
 */
export function strtoumax(text: string, base: 0 | 10 | 16 = 0): { value: bigint; rest: string; negative: boolean; overflow: boolean } | null {
  let i = SPACE.exec(text)![0].length;
  let negative = false;
  if (text[i] === '+' || text[i] === '-') { negative = text[i] === '-'; i++; }
  let b: number = base;
  if ((b === 0 || b === 16) && text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && digit(text[i + 2] ?? '', 16) >= 0) {
    b = 16;
    i += 2;
  } else if (b === 0) {
    b = text[i] === '0' ? 8 : 10;
  }
  const start = i;
  let v = 0n;
  let overflow = false;
  while (i < text.length && digit(text[i]!, b) >= 0) {
    v = v * BigInt(b) + BigInt(digit(text[i]!, b));
    if (v > UINTMAX) overflow = true;
    i++;
  }
  if (i === start) return null;
  if (overflow) v = UINTMAX;
  else if (negative) v = (UINTMAX + 1n - v) & UINTMAX;
  return { value: v, rest: text.slice(i), negative, overflow };
}

/**
 * `xtables_strtoul(text, &end, …, min, max)`: a number at the start of the text within
 * [min, max] and the rest after it; null when there is none, it is negative or out of range.
 */
export function xtStrtoulPrefix(text: string, min: number, max: number): { value: number; rest: string } | null {
  const s = text.slice(SPACE.exec(text)![0].length);
  if (s.startsWith('-')) return null;
  const r = strtoumax(text, 0);
  if (r === null || r.overflow || r.value < BigInt(min) || r.value > BigInt(max)) return null;
  return { value: Number(r.value), rest: r.rest };
}

/** `xtables_strtoul(text, NULL, …, min, max)`: the whole text as one such number, else null. */
export function xtStrtoul(text: string, min: number, max: number): number | null {
  const r = xtStrtoulPrefix(text, min, max);
  return r !== null && r.rest === '' ? r.value : null;
}
