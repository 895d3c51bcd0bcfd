/**
 * libxtables option types that several targets share, with iptables 1.8.9's checks and wording:
 * XTTYPE_UINT8/16/32 (one whole C number within a range) and XTTYPE_STRING (a minimum length,
 * then silently cut to the kernel field's size less its NUL byte).
 */
import type { ParseContext } from './types.js';
import { xtStrtoul } from '../net/cnum.js';

/** XTTYPE_UINT*: the whole text as a C base-0 number within [min, max], else iptables' error. */
export function needXtUint(ctx: ParseContext, option: string, text: string, min: number, max: number): number {
  const n = xtStrtoul(text, min, max);
  if (n === null) return ctx.fail(`bad value for option "--${option}", or out of range (${min}-${max}).`);
  return n;
}

/**
 * XTTYPE_STRING stored into a kernel field of `size` bytes: fewer than `min` bytes is refused;
 * a longer text is cut to `size - 1` bytes (UTF-8), as `xtopt_parse_string` does without a word.
 */
export function xtString(ctx: ParseContext, text: string, size: number, min = 0): string {
  const bytes = Buffer.from(text, 'utf8');
  if (min > 0 && bytes.length < min) ctx.fail(`Argument must have a minimum length of ${min} characters`);
  return bytes.length > size - 1 ? bytes.subarray(0, size - 1).toString('utf8') : text;
}
