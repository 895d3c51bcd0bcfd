/**
 * ICMP and ICMPv6 type names and the `TYPE[/CODE]` syntax of `--icmp-type` / `--icmpv6-type`, as
 * iptables 1.8.9 parses them: a name (any unique case-insensitive prefix), or C base-0 numbers
 * `type[/code[:code]]`; a name or a bare type covers codes 0..255. Also the packet-side type and
 * code comparison both matches share.
 */
import { xtStrtoulPrefix } from '../net/cnum.js';

/** A name with the type and code range it stands for. */
export interface IcmpName { name: string; type: number; codeMin: number; codeMax: number }

const n = (name: string, type: number, codeMin = 0, codeMax = 0xff): IcmpName => ({ name, type, codeMin, codeMax });

/** libipt_icmp's names (1.8.9), in table order. */
export const ICMP_NAMES: readonly IcmpName[] = [
  n('any', 0xff), n('echo-reply', 0), n('pong', 0),
  n('destination-unreachable', 3), n('network-unreachable', 3, 0, 0), n('host-unreachable', 3, 1, 1),
  n('protocol-unreachable', 3, 2, 2), n('port-unreachable', 3, 3, 3), n('fragmentation-needed', 3, 4, 4),
  n('source-route-failed', 3, 5, 5), n('network-unknown', 3, 6, 6), n('host-unknown', 3, 7, 7),
  n('network-prohibited', 3, 9, 9), n('host-prohibited', 3, 10, 10), n('TOS-network-unreachable', 3, 11, 11),
  n('TOS-host-unreachable', 3, 12, 12), n('communication-prohibited', 3, 13, 13),
  n('host-precedence-violation', 3, 14, 14), n('precedence-cutoff', 3, 15, 15),
  n('source-quench', 4),
  n('redirect', 5), n('network-redirect', 5, 0, 0), n('host-redirect', 5, 1, 1),
  n('TOS-network-redirect', 5, 2, 2), n('TOS-host-redirect', 5, 3, 3),
  n('echo-request', 8), n('ping', 8), n('router-advertisement', 9), n('router-solicitation', 10),
  n('time-exceeded', 11), n('ttl-exceeded', 11), n('ttl-zero-during-transit', 11, 0, 0),
  n('ttl-zero-during-reassembly', 11, 1, 1),
  n('parameter-problem', 12), n('ip-header-bad', 12, 0, 0), n('required-option-missing', 12, 1, 1),
  n('timestamp-request', 13), n('timestamp-reply', 14), n('address-mask-request', 17), n('address-mask-reply', 18),
];

/** libip6t_icmp6's names (1.8.9: no `any`, no MLD names), in table order. */
export const ICMPV6_NAMES: readonly IcmpName[] = [
  n('destination-unreachable', 1), n('no-route', 1, 0, 0), n('communication-prohibited', 1, 1, 1),
  n('beyond-scope', 1, 2, 2), n('address-unreachable', 1, 3, 3), n('port-unreachable', 1, 4, 4),
  n('failed-policy', 1, 5, 5), n('reject-route', 1, 6, 6),
  n('packet-too-big', 2),
  n('time-exceeded', 3), n('ttl-exceeded', 3), n('ttl-zero-during-transit', 3, 0, 0),
  n('ttl-zero-during-reassembly', 3, 1, 1),
  n('parameter-problem', 4), n('bad-header', 4, 0, 0), n('unknown-header-type', 4, 1, 1), n('unknown-option', 4, 2, 2),
  n('echo-request', 128), n('ping', 128), n('echo-reply', 129), n('pong', 129),
  n('router-solicitation', 133), n('router-advertisement', 134),
  n('neighbour-solicitation', 135), n('neighbor-solicitation', 135),
  n('neighbour-advertisement', 136), n('neighbor-advertisement', 136),
  n('redirect', 137),
];

/** A parsed `--icmp-type`: the type and the code range. */
export interface IcmpType { type: number; codeMin: number; codeMax: number }

/** `n[:m]` of numbers 0..255; the pair and the rest, or null. */
function parseRange(text: string): { r: [number, number]; rest: string } | null {
  const a = xtStrtoulPrefix(text, 0, 255);
  if (a === null) return null;
  if (a.rest[0] !== ':') return { r: [a.value, a.value], rest: a.rest };
  const b = xtStrtoulPrefix(a.rest.slice(1), 0, 255);
  return b === null ? null : { r: [a.value, b.value], rest: b.rest };
}

/** `__ipt_parse_icmp`: a name or `type[/code[:code]]`; `kind` is "ICMP" or "ICMPv6" for messages. */
export function parseIcmpType(text: string, names: readonly IcmpName[], kind: string, fail: (m: string) => never): IcmpType {
  let match: IcmpName | null = null;
  for (const e of names) {
    if (e.name.length < text.length || e.name.slice(0, text.length).toLowerCase() !== text.toLowerCase()) continue;
    if (match) fail(`Ambiguous ${kind} type \`${text}': \`${match.name}' or \`${e.name}'?`);
    match = e;
  }
  if (match) return { type: match.type, codeMin: match.codeMin, codeMax: match.codeMax };
  const t = parseRange(text);
  if (t === null) fail(`Unknown ${kind} type \`${text}'`);
  let code: [number, number] = [0, 255];
  if (t.rest !== '') {
    if (t.rest[0] !== '/') fail(`unknown character ${t.rest[0]}`);
    const c = parseRange(t.rest.slice(1));
    if (c === null) fail(`Unknown ${kind} code \`${text}'`);
    if (c.rest !== '') fail(`unknown character ${c.rest[0]}`);
    code = c.r;
  }
  if (t.r[0] !== t.r[1]) fail(`${kind} type range not supported`);
  return { type: t.r[0], codeMin: code[0], codeMax: code[1] };
}

/** The kernel's `icmp_type_code_match` core: same type and the code within the rule's range. */
export function icmpTypeCodeMatch(rule: IcmpType, type: number, code: number): boolean {
  return type === rule.type && code >= rule.codeMin && code <= rule.codeMax;
}
