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

/** Well-known services from /etc/services (netbase) that iptables resolves by name. */
const SERVICES: Record<string, number> = {
  tcpmux: 1, echo: 7, discard: 9, systat: 11, daytime: 13, netstat: 15, qotd: 17, chargen: 19,
  'ftp-data': 20, ftp: 21, ssh: 22, telnet: 23, smtp: 25, time: 37, whois: 43, tacacs: 49,
  domain: 53, gopher: 70, finger: 79, http: 80, kerberos: 88, 'iso-tsap': 102, 'acr-nema': 104,
  pop3: 110, sunrpc: 111, auth: 113, nntp: 119, ntp: 123, epmap: 135, 'netbios-ns': 137,
  'netbios-dgm': 138, 'netbios-ssn': 139, imap2: 143, snmp: 161, 'snmp-trap': 162,
  'cmip-man': 163, 'cmip-agent': 164, mailq: 174, xdmcp: 177, bgp: 179, smux: 199,
  qmtp: 209, z3950: 210, ipx: 213, ptp: 319, 'ptp-general': 320, pawserv: 345, zserv: 346,
  rpc2portmap: 369, codaauth2: 370, clearcase: 371, ldap: 389, svrloc: 427, https: 443,
  snpp: 444, 'microsoft-ds': 445, kpasswd: 464, submissions: 465, saft: 487, isakmp: 500,
  rtsp: 554, nqs: 607, asf: 623, qmqp: 628, ipp: 631, ldp: 646, exec: 512, biff: 512,
  login: 513, who: 513, shell: 514, syslog: 514, printer: 515, talk: 517, ntalk: 518,
  route: 520, gdomap: 538, uucp: 540, klogin: 543, kshell: 544, 'dhcpv6-client': 546,
  'dhcpv6-server': 547, afpovertcp: 548, nntps: 563, submission: 587, ldaps: 636,
  tinc: 655, silc: 706, 'kerberos-adm': 749, rsync: 873, ftps: 990,
  telnets: 992, imaps: 993, pop3s: 995, socks: 1080, proofd: 1093, rootd: 1094,
  openvpn: 1194, rmiregistry: 1099, lotusnote: 1352, 'ms-sql-s': 1433, 'ms-sql-m': 1434,
  ingreslock: 1524, datametrics: 1645, 'sa-msg-port': 1646, kermit: 1649, groupwise: 1677,
  l2f: 1701, radius: 1812, 'radius-acct': 1813, 'cisco-sccp': 2000, nfs: 2049,
  gnunet: 2086, 'rtcm-sc104': 2101, 'gsigatekeeper': 2119, gris: 2135, cvspserver: 2401,
  venus: 2430, 'venus-se': 2431, codasrv: 2432, 'codasrv-se': 2433, mon: 2583, dict: 2628,
  f5: 2700, gpsd: 2947, gds_db: 3050, icpv2: 3130, 'isns': 3205, iscsi: 3260, mysql: 3306,
  'ms-wbt-server': 3389, nut: 3493, distcc: 3632, daap: 3689, svn: 3690, suucp: 4031,
  sysrqd: 4094, sieve: 4190, epmd: 4369, remctl: 4373, 'f5-iquery': 4353, ntske: 4460,
  'ipsec-nat-t': 4500, iax: 4569, mtn: 4691, 'radmin-port': 4899, sip: 5060,
  'sip-tls': 5061, 'xmpp-client': 5222, 'xmpp-server': 5269, cfengine: 5308, mdns: 5353,
  postgresql: 5432, freeciv: 5556, amqps: 5671, amqp: 5672, x11: 6000, 'x11-1': 6001,
  'x11-2': 6002, 'x11-3': 6003, 'x11-4': 6004, 'x11-5': 6005, 'x11-6': 6006, 'x11-7': 6007,
  'gnutella-svc': 6346, 'gnutella-rtr': 6347, 'redis': 6379, 'sge-qmaster': 6444,
  'sge-execd': 6445, 'mysql-proxy': 6446, 'babel': 6696, 'ircs-u': 6697, bbs: 7000,
  'font-service': 7100, 'http-alt': 8080, puppet: 8140,
  'bacula-dir': 9101, 'bacula-fd': 9102, 'bacula-sd': 9103, xmms2: 9667, nbd: 10809,
  'zabbix-agent': 10050, 'zabbix-trapper': 10051, amanda: 10080, dicom: 11112, hkp: 11371,
  db_lsp: 17500, dcap: 22125, gsiftp: 2811, gkrellmd: 19150,
};

/** A port number or service name (`http` is 80), C base-0; null when neither. */
export function parsePort(text: string): number | null {
  const n = parseUint(text, 0, 65535);
  if (n !== null) return n;
  const s = SERVICES[text];
  return s !== undefined && s >= 0 ? s : null;
}

/** A port or service, failing as iptables does. */
export function needPort(ctx: ParseContext, text: string): number {
  const p = parsePort(text);
  if (p === null) ctx.fail(`invalid port/service \`${text}' specified`);
  return p;
}

/** `a:b`, `:b`, `a:` or `a` as a [min, max] pair (libxt_tcp `parse_tcp_ports`). */
export function needPortRange(ctx: ParseContext, text: string, sep = ':'): [number, number] {
  const i = text.indexOf(sep);
  if (i < 0) {
    const p = needPort(ctx, text);
    return [p, p];
  }
  const a = text.slice(0, i);
  const b = text.slice(i + 1);
  const lo = a === '' ? 0 : needPort(ctx, a);
  const hi = b === '' ? 65535 : needPort(ctx, b);
  if (lo > hi) ctx.fail('invalid portrange (min > max)');
  return [lo, hi];
}

/** A [min, max] port range as tcp/udp save it: one port alone, else `min:max`. */
export function formatPortRange(r: readonly [number, number]): string {
  return r[0] === r[1] ? String(r[0]) : `${r[0]}:${r[1]}`;
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

/** The name iptables-save 1.8.9 prints after `-p`: its own table first, then /etc/protocols. */
export function protocolName(num: number): string {
  for (const [name, n] of CHAIN_PROTOS) if (n === num) return name;
  for (const [name, n] of ETC_PROTOCOLS) if (n === num) return name;
  return String(num);
}

/** Protocol numbers used across the extensions. */
export const IPPROTO = {
  ICMP: 1, IGMP: 2, TCP: 6, UDP: 17, DCCP: 33, GRE: 47, ESP: 50, AH: 51, ICMPV6: 58,
  SCTP: 132, UDPLITE: 136,
} as const;
