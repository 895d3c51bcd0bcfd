/**
 * libxtables option-type parsers that values.ts does not cover, with their C semantics:
 * `xtables_strtoui` (a base-0 number prefix, the rest returned), getaddrinfo-style numeric hosts
 * (XTTYPE_HOST: `inet_aton` forms such as `10.1` = 10.0.0.1 for IPv4, `inet_pton` for IPv6),
 * XTTYPE_HOSTMASK (`host/len` or `host/mask`) and XTTYPE_MARKMASK32 (`value[/mask]`).
 */
import type { ParseContext } from './types.js';
import type { Family, Words } from '../net/addr.js';
import { maskFromLength, maskLength, parseIPv6 } from '../net/addr.js';
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
 * glibc `inet_aton` as getaddrinfo uses it (exact: nothing may follow): one to four parts, each a
 * C number (`0x` hex, `0` octal, decimal); the last part fills the remaining bytes, so `10.1` is
 * 10.0.0.1 and `167772161` is 10.0.0.1. Null when it is not such a text.
 */
export function inetAton(text: string): number | null {
  const parts = text.split('.');
  if (parts.length > 4) return null;
  const vals: number[] = [];
  for (const p of parts) {
    let v: number;
    if (/^0[xX][0-9a-fA-F]*$/.test(p)) v = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) v = parseInt(p, 8);
    else if (/^[1-9][0-9]*$/.test(p)) v = Number(p);
    else return null;
    if (!Number.isSafeInteger(v) || v > 0xffffffff) return null;
    vals.push(v);
  }
  const last = vals.pop()!;
  if (vals.some((v) => v > 255)) return null;
  const room = 4 - vals.length;
  if (room < 4 && last >= 2 ** (8 * room)) return null;
  let out = 0;
  for (const v of vals) out = out * 256 + v;
  return out * 2 ** (8 * room) + last;
}

/**
 * XTTYPE_HOST for a numeric host: IPv4 in any `inet_aton` form, IPv6 as `inet_pton`. Host names
 * are not resolved by natsim, so anything else is refused.
 */
export function needHost(ctx: ParseContext, family: Family, text: string): Words {
  if (family === 'ipv4') {
    const v = inetAton(text);
    if (v !== null) return [v];
    if (parseIPv6(text) !== null) ctx.fail(`\`${text}' is an IPv6 address; iptables needs an IPv4 address here`);
  } else {
    const w = parseIPv6(text);
    if (w !== null) return w;
    if (inetAton(text) !== null) ctx.fail(`\`${text}' is an IPv4 address; ip6tables needs an IPv6 address here`);
  }
  return ctx.fail(`host \`${text}' is not a numeric ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address (natsim does not resolve host names)`);
}

/**
 * The mask after `/` of an XTTYPE_HOSTMASK (libxtables 1.8.9 `xtopt_parse_plenmask`): a prefix
 * length (C base-0 number, 0..32 or 0..128), else a numeric mask address; a mask that is not
 * contiguous ends up as all ones (iptables 1.8.9 converts it to a prefix length of -1, which
 * builds no mask bits and leaves the all-ones default).
 */
export function needPlenMask(ctx: ParseContext, family: Family, option: string, text: string): Words {
  const max = family === 'ipv4' ? 32 : 128;
  const n = strtouiWhole(text, 0, max);
  if (n !== null) return maskFromLength(family, n);
  let m: Words | null = null;
  if (family === 'ipv4') {
    const v = inetAton(text);
    if (v !== null) m = [v];
  } else {
    m = parseIPv6(text);
  }
  if (m === null) {
    return ctx.fail(`bad value for option "--${option}", neither a valid network mask nor valid CIDR (0-${max})`);
  }
  const len = maskLength(m);
  return maskFromLength(family, len < 0 ? max : len);
}

/** XTTYPE_HOSTMASK: `host` (all-ones mask) or `host/mask`, split at the first `/`. */
export function needHostMask(ctx: ParseContext, family: Family, option: string, text: string): { addr: Words; mask: Words } {
  const slash = text.indexOf('/');
  if (slash < 0) return { addr: needHost(ctx, family, text), mask: maskFromLength(family, family === 'ipv4' ? 32 : 128) };
  const addr = needHost(ctx, family, text.slice(0, slash));
  const mask = needPlenMask(ctx, family, option, text.slice(slash + 1));
  return { addr, mask };
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
