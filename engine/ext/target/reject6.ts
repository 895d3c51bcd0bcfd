/**
 * `-j REJECT [--reject-with type]` for IPv6 (libip6t_REJECT, ip6t_REJECT): answer with an ICMPv6
 * error or a TCP RST (filter table, INPUT/FORWARD/OUTPUT). Types are matched by case-insensitive
 * prefix of a name or alias, first in table order (so an empty word is icmp6-no-route); the
 * canonical name is saved, the default `icmp6-port-unreachable` included. `tcp-reset` needs
 * `-p tcp` (not inverted), a kernel check at COMMIT.
 *
 * Packet behaviour (ip6t_REJECT.c `reject_tg6`): the packet is dropped after the ICMPv6 error
 * (1/0 no-route, 1/1 adm-prohibited, 1/3 addr-unreachable, 1/4 port-unreachable, 1/5 policy-fail,
 * 1/6 reject-route) or TCP RST the kernel would send is built (`reject-packet.ts`, nf_reject_ipv6.c
 * and icmp6_send, with every case in which nothing is sent) and handed to `ctx.emit`.
 */
import { DROP, type TargetExtension } from '../types.js';
import { findRejectType, type RejectState, type RejectType } from './reject.js';
import { icmp6Unreach, tcpReset6, attachedConntrack, rejectTcpResetCheck } from './reject-packet.js';

/** IPv6 reject types in libip6t_REJECT's table order (icmp6-not-neighbour is not offered). */
export const REJECT6_TYPES: readonly RejectType[] = [
  { name: 'icmp6-no-route', alias: 'no-route' },
  { name: 'icmp6-adm-prohibited', alias: 'adm-prohibited' },
  { name: 'icmp6-addr-unreachable', alias: 'addr-unreach' },
  { name: 'icmp6-port-unreachable', alias: 'port-unreach' },
  { name: 'tcp-reset', alias: 'tcp-reset' },
  { name: 'icmp6-policy-fail', alias: 'policy-fail' },
  { name: 'icmp6-reject-route', alias: 'reject-route' },
];

/** ICMPv6 destination-unreachable codes by reject type. */
const ICMP6_CODES: Readonly<Record<string, number>> = {
  'icmp6-no-route': 0, 'icmp6-adm-prohibited': 1, 'icmp6-addr-unreachable': 3, 'icmp6-port-unreachable': 4,
  'icmp6-policy-fail': 5, 'icmp6-reject-route': 6,
};

/** The REJECT target for IPv6 (saved as REJECT). */
export const REJECT6: TargetExtension<RejectState> = {
  kind: 'target',
  name: 'REJECT',
  families: ['ipv6'],
  options: [{ name: 'reject-with', args: 1 }],
  tables: ['filter'],
  hooks: ['INPUT', 'FORWARD', 'OUTPUT'],
  create: () => ({ with: 'icmp6-port-unreachable' }),
  parse(s, _opt, [arg], _invert, ctx) {
    const t = findRejectType(REJECT6_TYPES, arg!);
    if (!t) return ctx.fail(`unknown reject type "${arg}" (expected one of ${REJECT6_TYPES.map((x) => x.name).join(', ')})`);
    s.with = t.name;
  },
  check: (s, ctx) => rejectTcpResetCheck(s.with, ctx.header),
  save: (s) => ` --reject-with ${s.with}`,
  /** Send the ICMPv6 error or TCP reset the kernel would, then drop. */
  target(s, pkt, _rt, ctx) {
    const out = s.with === 'tcp-reset' ? tcpReset6(pkt, ctx) : icmp6Unreach(pkt, ICMP6_CODES[s.with]!, ctx);
    if (out) ctx.emit(out, 'ipv6', attachedConntrack(pkt) ?? undefined);
    return DROP;
  },
};
