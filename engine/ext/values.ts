/**
 * Value syntaxes shared by extensions, parsed and printed exactly as libxtables does: C base-0
 * numbers, value/mask pairs, ports and service names, protocol names, quoted strings.
 */
import type { ParseContext } from './types.js';
import { strtoulBase0 } from '../net/addr.js';

/** C strtoul base 0 over the whole text, within [min, max]; null when it is not such a number. */
export function parseUint(text: string, min = 0, max = 0xffffffff): number | null {
  const n = strtoulBase0(text);
  if (n === null || n < min || n > max) return null;
  return n;
}

/** A number option, failing with iptables' wording when it is not one or out of range. */
export function needUint(ctx: ParseContext, option: string, text: string, min = 0, max = 0xffffffff): number {
  const n = parseUint(text, min, max);
  if (n === null) ctx.fail(`bad value for option "--${option}": "${text}" (expected a number from ${min} to ${max})`);
  return n;
}

/** `0x…` lower-case hex, as `%#x`-style mark printing (0 prints as 0x0). */
export function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16);
}

/** `value[/mask]` with C base-0 numbers; the mask defaults to 0xffffffff. */
export function needMarkMask(ctx: ParseContext, option: string, text: string): { value: number; mask: number } {
  const slash = text.indexOf('/');
  const vText = slash < 0 ? text : text.slice(0, slash);
  const value = parseUint(vText);
  const mask = slash < 0 ? 0xffffffff : parseUint(text.slice(slash + 1));
  if (value === null || mask === null) ctx.fail(`bad value for option "--${option}": "${text}" (expected value[/mask])`);
  return { value, mask };
}

/** `value` or `value/mask` as the mark match saves it: the mask only when it is not 0xffffffff. */
export function formatMarkMask(value: number, mask: number): string {
  return mask === 0xffffffff ? hex(value) : `${hex(value)}/${hex(mask)}`;
}

/**
 * xtables_save_string: bare when non-empty and only `[A-Za-z0-9_-]`, otherwise in double quotes
 * with `"`, `\` and `'` escaped by a backslash.
 */
export function saveString(s: string): string {
  if (s.length > 0 && /^[A-Za-z0-9_-]+$/.test(s)) return s;
  return '"' + s.replace(/["\\']/g, (c) => '\\' + c) + '"';
}

/** Protocol names iptables prints itself (`xtables_chain_protos`). */
const CHAIN_PROTOS: ReadonlyArray<[string, number]> = [
  ['tcp', 6], ['sctp', 132], ['udp', 17], ['udplite', 136], ['icmp', 1], ['ipv6-icmp', 58],
  ['esp', 50], ['ah', 51], ['mh', 135], ['dccp', 33], ['ipcomp', 108], ['all', 0],
];

/** /etc/protocols (netbase) names, for numbers iptables-save 1.8.9 prints by name. */
const ETC_PROTOCOLS: ReadonlyArray<[string, number, string[]]> = [
  ['ip', 0, ['IP']], ['icmp', 1, ['ICMP']], ['igmp', 2, ['IGMP']], ['ggp', 3, ['GGP']],
  ['ipencap', 4, ['IP-ENCAP']], ['st', 5, ['ST']], ['tcp', 6, ['TCP']], ['egp', 8, ['EGP']],
  ['igp', 9, ['IGP']], ['pup', 12, ['PUP']], ['udp', 17, ['UDP']], ['hmp', 20, ['HMP']],
  ['xns-idp', 22, ['XNS-IDP']], ['rdp', 27, ['RDP']], ['iso-tp4', 29, ['ISO-TP4']],
  ['dccp', 33, ['DCCP']], ['xtp', 36, ['XTP']], ['ddp', 37, ['DDP']], ['idpr-cmtp', 38, ['IDPR-CMTP']],
  ['ipv6', 41, ['IPv6']], ['ipv6-route', 43, ['IPv6-Route']], ['ipv6-frag', 44, ['IPv6-Frag']],
  ['idrp', 45, ['IDRP']], ['rsvp', 46, ['RSVP']], ['gre', 47, ['GRE']], ['esp', 50, ['IPSEC-ESP']],
  ['ah', 51, ['IPSEC-AH']], ['skip', 57, ['SKIP']], ['ipv6-icmp', 58, ['IPv6-ICMP']],
  ['ipv6-nonxt', 59, ['IPv6-NoNxt']], ['ipv6-opts', 60, ['IPv6-Opts']], ['rspf', 73, ['RSPF', 'CPHB']],
  ['vmtp', 81, ['VMTP']], ['eigrp', 88, ['EIGRP']], ['ospf', 89, ['OSPFIGP']], ['ax.25', 93, ['AX.25']],
  ['ipip', 94, ['IPIP']], ['etherip', 97, ['ETHERIP']], ['encap', 98, ['ENCAP']], ['pim', 103, ['PIM']],
  ['ipcomp', 108, ['IPCOMP']], ['vrrp', 112, ['VRRP']], ['l2tp', 115, ['L2TP']], ['isis', 124, ['ISIS']],
  ['sctp', 132, ['SCTP']], ['fc', 133, ['FC']], ['mobility-header', 135, ['Mobility-Header']],
  ['udplite', 136, ['UDPLite']], ['mpls-in-ip', 137, ['MPLS-in-IP']], ['manet', 138, []],
  ['hip', 139, ['HIP']], ['shim6', 140, ['Shim6']], ['wesp', 141, ['WESP']], ['rohc', 142, ['ROHC']],
  ['ethernet', 143, ['Ethernet']], ['aggfrag', 144, ['AGGFRAG']], ['nsh', 145, ['NSH']],
];

/**
 * xtables_parse_protocol: a number 0..255, `all`, an /etc/protocols name or alias, or one of
 * iptables' own names; `icmpv6` is ipv6-icmp. Input is lower-cased first, as iptables does.
 */
export function parseProtocol(text: string): number | null {
  const s = text.toLowerCase();
  const n = parseUint(s, 0, 255);
  if (n !== null) return n;
  if (s === 'all') return 0;
  if (s === 'icmpv6') return 58;
  for (const [name, num, aliases] of ETC_PROTOCOLS) {
    if (name === s || aliases.some((a) => a.toLowerCase() === s)) return num;
  }
  for (const [name, num] of CHAIN_PROTOS) if (name === s) return num;
  return null;
}

/**
 * The name iptables-save 1.8.9 prints after `-p` (`proto_to_name(proto, 0)`): /etc/protocols
 * first (so 135 is `mobility-header`), then iptables' own table, else the number.
 */
export function protocolName(num: number): string {
  for (const [name, n] of ETC_PROTOCOLS) if (n === num) return name;
  for (const [name, n] of CHAIN_PROTOS) if (n === num) return name;
  return String(num);
}

/** Protocol numbers used across the extensions. */
export const IPPROTO = {
  ICMP: 1, IGMP: 2, TCP: 6, UDP: 17, DCCP: 33, GRE: 47, ESP: 50, AH: 51, ICMPV6: 58,
  SCTP: 132, UDPLITE: 136,
} as const;
