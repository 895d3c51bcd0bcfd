/**
 * Host addresses and masks as libxtables' option types read them (XTTYPE_HOST, XTTYPE_HOSTMASK,
 * XTTYPE_PLEN): the host through getaddrinfo (numeric forms only here, see `parseNumericHost`:
 * IPv4 follows glibc inet_aton — `10.1` is 10.0.0.1, octal and hex parts — or is IPv4-mapped
 * IPv6), the mask as a prefix length or a mask address, printed as `xtables_ipmask_to_numeric`
 * prints it (nothing for a full mask).
 */
import type { Family, Words } from '../net/addr.js';
import { formatAddr, maskFromLength, maskLength, parseNumericHost, strtoulBase0, wordCount } from '../net/addr.js';
import type { ParseContext } from './types.js';

/** A numeric host of the family as getaddrinfo reads it (`parseNumericHost`); null when it is not one. */
export function parseHost(family: Family, text: string): Words | null {
  return parseNumericHost(family, text);
}

/** A host (XTTYPE_HOST), failing as libxtables does when getaddrinfo cannot read it. */
export function needHost(ctx: ParseContext, option: string, family: Family, text: string): Words {
  const w = parseNumericHost(family, text);
  if (w !== null) return w;
  if (family === 'ipv4' && parseNumericHost('ipv6', text) !== null) {
    return ctx.fail(`bad value for option "--${option}": "${text}" is an IPv6 address; iptables needs an IPv4 address here`);
  }
  if (family === 'ipv6' && parseNumericHost('ipv4', text) !== null) {
    return ctx.fail(`bad value for option "--${option}": "${text}" is an IPv4 address; ip6tables needs an IPv6 address here`);
  }
  return ctx.fail(`bad value for option "--${option}": "${text}" is not a numeric ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address (natsim does not resolve host names)`);
}

/**
 * xtopt_parse_plen of iptables 1.8.9: a prefix length 0..32/128 (C base 0), or else a mask
 * address; a mask that is not contiguous gives length 255 (`(uint8_t)-1`). Null when neither.
 */
export function parsePlen(family: Family, text: string): number | null {
  const max = family === 'ipv4' ? 32 : 128;
  const n = strtoulBase0(text);
  if (n !== null && n <= max) return n;
  const m = parseHost(family, text);
  if (m === null) return null;
  const len = maskLength(m);
  return len < 0 ? 255 : len;
}

/** A prefix length option, failing with iptables' wording. */
export function needPlen(ctx: ParseContext, option: string, family: Family, text: string): number {
  const len = parsePlen(family, text);
  if (len === null) {
    ctx.fail(`bad value for option "--${option}", neither a valid network mask nor valid CIDR (0-${family === 'ipv4' ? 32 : 128}).`);
  }
  return len;
}

/** An address with its mask as XTTYPE_HOSTMASK stores them (the address is not masked). */
export interface HostMask {
  addr: Words;
  mask: Words;
}

/**
 * `host[/plen|/mask]` (XTTYPE_HOSTMASK). As in 1.8.9, a length above the family's maximum (a
 * non-contiguous mask) leaves the full mask.
 */
export function needHostMask(ctx: ParseContext, option: string, family: Family, text: string): HostMask {
  const slash = text.indexOf('/');
  const hostText = slash < 0 ? text : text.slice(0, slash);
  const addr = needHost(ctx, option, family, hostText);
  const full = maskFromLength(family, 32 * wordCount(family));
  if (slash < 0) return { addr, mask: full };
  const len = needPlen(ctx, option, family, text.slice(slash + 1));
  return { addr, mask: len > 32 * wordCount(family) ? full : maskFromLength(family, len) };
}

/** xtables_ipmask_to_numeric / ip6mask_to_numeric: `` for a full mask, `/len`, or `/mask`. */
export function formatMaskSuffix(family: Family, mask: Words): string {
  const len = maskLength(mask);
  if (len === 32 * wordCount(family)) return '';
  return len >= 0 ? `/${len}` : `/${formatAddr(family, mask)}`;
}

/** An address followed by its mask suffix, as conntrack saves `--ctorigsrc`. */
export function formatHostMask(family: Family, hm: HostMask): string {
  return formatAddr(family, hm.addr) + formatMaskSuffix(family, hm.mask);
}
