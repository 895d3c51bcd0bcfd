/**
 * libxtables option-type parsers that values.ts does not cover, with their C semantics:
 * `xtables_strtoui` (a base-0 number prefix, the rest returned), service names and
 * XTTYPE_MARKMASK32 (`value[/mask]`). Hosts and host masks (XTTYPE_HOST, XTTYPE_HOSTMASK,
 * XTTYPE_PLEN) are in hostaddr.ts.
 */
import type { ParseContext } from './types.js';
import { parseUint } from './values.js';
import { serviceAnyProto } from './services.js';
import { xtStrtoul, xtStrtoulPrefix } from '../net/cnum.js';


/** Result of a number read from the start of a text: its value and the text left after it. */
export interface NumberPrefix {
  value: number;
  rest: string;
}

/** `xtables_strtoui(text, &end, &v, min, max)`: a number at the start of the text and the rest after it. */
export function strtouiPrefix(text: string, min = 0, max = 0xffffffff): NumberPrefix | null {
  return xtStrtoulPrefix(text, min, max);
}

/** `xtables_strtoui` without an end pointer: the whole text must be the number. */
export function strtouiWhole(text: string, min = 0, max = 0xffffffff): number | null {
  return xtStrtoul(text, min, max);
}

/**
 * getservbyname(name, NULL): a service name's port for any protocol, null for anything else (a
 * text C reads as a number is no service name, so `0` is not port 0 here).
 */
export function serviceByName(text: string): number | null {
  if (parseUint(text, 0, Number.MAX_SAFE_INTEGER) !== null) return null;
  return serviceAnyProto(text);
}

/**
 * XTTYPE_MARKMASK32 (`xtables_parse_val_mask`): `value[/mask]`, both read by `xtables_strtoui`
 * within 32 bits; the mask defaults to 0xffffffff.
 */
export function needMarkMask32(ctx: ParseContext, option: string, text: string): { value: number; mask: number } {
  const bad = (): never => ctx.fail(`bad integer value for option "--${option}", or out of range (expected value[/mask], each 0 to 0xffffffff)`);
  const v = strtouiPrefix(text);
  if (v === null) return bad();
  if (v.rest === '') return { value: v.value, mask: 0xffffffff };
  if (v.rest[0] !== '/') return ctx.fail(`trailing garbage after value for option "--${option}": "${v.rest}"`);
  const m = strtouiPrefix(v.rest.slice(1));
  if (m === null) return bad();
  if (m.rest !== '') return ctx.fail(`trailing garbage after value for option "--${option}": "${m.rest}"`);
  return { value: v.value, mask: m.value };
}
