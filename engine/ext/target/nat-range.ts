/**
 * The NAT range shared by DNAT, SNAT, MASQUERADE and REDIRECT (iptables 1.8.9 libxt_NAT.c, the
 * kernel's `nf_nat_range2`): `--to-destination`/`--to-source` take `[ip[-ip]][:port[-port[/base]]]`
 * (IPv6 addresses in brackets when a port follows: `[2001:db8::1]:80`), `--to-ports` takes
 * `port[-port[/base]]`, and the flags `--random`, `--random-fully`, `--persistent`.
 *
 * Saved as libxt_NAT prints it: addresses by inet_ntop, a range only when min ≠ max, `:port[-port]`,
 * `/base` for a shifted port map, then the flags in the order random, random-fully, persistent.
 * Only DNAT (revision 2) keeps the `/base` port; the older structures used by SNAT, MASQUERADE
 * (both families) have no room for it, so they keep the flag and save `/0`, as iptables does,
 * and map ports from base 0. With the flag (NF_NAT_RANGE_PROTO_OFFSET) the port is always mapped
 * by its offset from the base, even one already in the range.
 */
import type { Family, Words } from '../../net/addr.js';
import { formatAddr, parseIPv4Strict, parseIPv6, wordsEqual } from '../../net/addr.js';
import type { OptionSpec, ParseContext } from '../types.js';
import { IPPROTO } from '../values.js';
import { serviceByName, strtouiPrefix } from '../xtopt.js';

/** A parsed NAT range with its flags (`nf_nat_range2`). */
export interface NatRange {
  /** NF_NAT_RANGE_MAP_IPS: an address (range) was given. */
  mapIps: boolean;
  minAddr: Words;
  maxAddr: Words;
  /** NF_NAT_RANGE_PROTO_SPECIFIED: a port (range) was given. */
  protoSpecified: boolean;
  minPort: number;
  maxPort: number;
  /** NF_NAT_RANGE_PROTO_OFFSET: `/base` was given (a shifted port map). */
  offset: boolean;
  /** The base the kernel maps from: the one given for DNAT, 0 for SNAT and MASQUERADE (no field). */
  basePort: number;
  random: boolean;
  randomFully: boolean;
  persistent: boolean;
}

/** An empty range: nothing mapped, no flags. */
export function emptyNatRange(family: Family): NatRange {
  const zero = family === 'ipv4' ? [0] : [0, 0, 0, 0];
  return {
    mapIps: false, minAddr: [...zero], maxAddr: [...zero],
    protoSpecified: false, minPort: 0, maxPort: 0, offset: false, basePort: 0,
    random: false, randomFully: false, persistent: false,
  };
}

/** The flag options, as data for the option tables. */
export const NAT_FLAG_OPTIONS: Readonly<Record<'random' | 'random-fully' | 'persistent', OptionSpec>> = {
  random: { name: 'random', args: 0 },
  'random-fully': { name: 'random-fully', args: 0 },
  persistent: { name: 'persistent', args: 0 },
};

/**
 * Whether the rule's `-p` allows a port in the range. libxt_NAT tests the protocol number only
 * (not its `!`), and lets ICMP through too although its message does not say so.
 */
export function natPortOk(proto: number): boolean {
  return proto === IPPROTO.TCP || proto === IPPROTO.UDP || proto === IPPROTO.SCTP ||
    proto === IPPROTO.DCCP || proto === IPPROTO.ICMP;
}

/** Set one of the flag options on the range. */
export function setNatFlag(r: NatRange, option: string): void {
  if (option === 'random') r.random = true;
  else if (option === 'random-fully') r.randomFully = true;
  else if (option === 'persistent') r.persistent = true;
}

/**
 * `port[-port[/base]]` (libxt_NAT parse_ports): the first port is a number (C base 0) or, when
 * the text does not start with one, a service name standing for the whole text; the second must
 * be a number; `/base` (1..65535 or a service) only after a range.
 */
export function parseNatPorts(ctx: ParseContext, text: string, r: NatRange, keepsBase: boolean): void {
  if (!natPortOk(ctx.header.proto)) ctx.fail('Need TCP, UDP, SCTP or DCCP with port specification');
  r.protoSpecified = true;
  let port: number;
  let rest: string;
  const first = strtouiPrefix(text, 0, 65535);
  if (first !== null) {
    port = first.value;
    rest = first.rest;
  } else {
    const p = serviceByName(text);
    if (p === null) return ctx.fail(`Port \`${text}' not valid (expected a port number 0-65535 or a service name)`);
    port = p;
    rest = '';
  }
  if (rest === '') {
    r.minPort = r.maxPort = port;
    return;
  }
  if (rest[0] === ':') ctx.fail('Invalid port:port syntax - use dash');
  if (rest[0] !== '-') ctx.fail(`Garbage after port value: \`${rest}'`);
  const maxText = rest.slice(1);
  const second = strtouiPrefix(maxText, 0, 65535);
  if (second === null) return ctx.fail(`Port \`${maxText}' not valid (the end of a port range must be a number 0-65535)`);
  if (second.value < port) ctx.fail(`Port range \`${maxText}' funky (the end is below the start ${port})`);
  r.minPort = port;
  r.maxPort = second.value;
  if (second.rest === '') return;
  if (second.rest[0] !== '/') ctx.fail(`Garbage after port range: \`${second.rest}'`);
  const baseText = second.rest.slice(1);
  // Text after the base number is not looked at, as in iptables.
  const base = strtouiPrefix(baseText, 1, 65535);
  let basePort: number;
  if (base !== null) basePort = base.value;
  else {
    const p = serviceByName(baseText);
    if (p === null) return ctx.fail(`Port \`${baseText}' not valid (expected a base port 1-65535 or a service name)`);
    basePort = p;
  }
  r.offset = true;
  // A structure without the field (SNAT's, MASQUERADE's) keeps only the flag: the kernel maps
  // from base 0.
  r.basePort = keepsBase ? basePort : 0;
}

function needNatAddr(ctx: ParseContext, family: Family, text: string): Words {
  if (family === 'ipv4') {
    const v = parseIPv4Strict(text);
    if (v !== null) return [v];
  } else {
    const w = parseIPv6(text);
    if (w !== null) return w;
  }
  return ctx.fail(`Bad IP address "${text}" (expected a numeric ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address)`);
}

/**
 * `[ip[-ip]][:port[-port[/base]]]` (libxt_NAT parse_to). Without `[`, one colon separates the
 * ports (more colons mean an IPv6 address without ports); with `[…]` (IPv6 only) the first colon
 * after `]` does. Nothing before the colon (or `[]`, or two characters, as iptables tests the
 * colon's position) means ports only.
 */
export function parseNatTo(ctx: ParseContext, text: string, r: NatRange, family: Family, keepsBase: boolean): void {
  let addrText: string;
  let colon: number;
  const bracket = text.indexOf('[');
  if (bracket < 0) {
    colon = text.indexOf(':');
    if (colon >= 0 && text.indexOf(':', colon + 1) >= 0) colon = -1;
    addrText = colon >= 0 ? text.slice(0, colon) : text;
  } else {
    const end = text.indexOf(']', bracket + 1);
    if (end < 0 || family === 'ipv4') {
      ctx.fail(family === 'ipv4' ? 'Invalid address format (brackets are for IPv6 addresses)' : 'Invalid address format (no closing `]\')');
    }
    colon = text.indexOf(':', end + 1);
    addrText = text.slice(bracket + 1, end);
  }
  if (colon >= 0) {
    parseNatPorts(ctx, text.slice(colon + 1), r, keepsBase);
    if (colon === 0 || colon === 2) return;
  }
  r.mapIps = true;
  const dash = addrText.indexOf('-');
  if (dash >= 0) {
    r.minAddr = needNatAddr(ctx, family, addrText.slice(0, dash));
    r.maxAddr = needNatAddr(ctx, family, addrText.slice(dash + 1));
  } else {
    r.minAddr = needNatAddr(ctx, family, addrText);
    r.maxAddr = [...r.minAddr];
  }
}

/**
 * The range text libxt_NAT prints: `[min[-max]]` (brackets for IPv6 when ports follow), then
 * `:min[-max][/base]` (the base as stored: 0 for structures without the field).
 */
export function formatNatRange(r: NatRange, family: Family): string {
  let s = '';
  const brackets = family === 'ipv6' && r.protoSpecified;
  if (r.mapIps) {
    if (brackets) s += '[';
    s += formatAddr(family, r.minAddr);
    if (!wordsEqual(r.minAddr, r.maxAddr)) s += '-' + formatAddr(family, r.maxAddr);
    if (brackets) s += ']';
  }
  if (r.protoSpecified) {
    s += `:${r.minPort}`;
    if (r.maxPort !== r.minPort) s += `-${r.maxPort}`;
    if (r.offset) s += `/${r.basePort}`;
  }
  return s;
}

/**
 * Save text after `-j NAME`: ` --OPTION range` when there is a range (without the leading colon
 * for `--to-ports`), then ` --random`, ` --random-fully`, ` --persistent`.
 */
export function saveNatRange(r: NatRange, family: Family, option: string, opts: { portsOnly: boolean }): string {
  let range = formatNatRange(r, family);
  let out = '';
  if (range !== '') {
    if (opts.portsOnly && range[0] === ':') range = range.slice(1);
    out += ` --${option} ${range}`;
  }
  if (r.random) out += ' --random';
  if (r.randomFully) out += ' --random-fully';
  if (r.persistent) out += ' --persistent';
  return out;
}
