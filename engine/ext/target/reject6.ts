/**
 * `-j REJECT [--reject-with type]` for IPv6 (libip6t_REJECT, ip6t_REJECT): answer with an ICMPv6
 * error or a TCP RST (filter table, INPUT/FORWARD/OUTPUT). Types are matched by case-insensitive
 * prefix of a name or alias, first in table order (so an empty word is icmp6-no-route); the
 * canonical name is saved, the default `icmp6-port-unreachable` included. `tcp-reset` needs
 * `-p tcp` (not inverted), a kernel check at COMMIT.
 */
import type { TargetExtension } from '../types.js';
import { IPPROTO } from '../values.js';
import { findRejectType, type RejectState, type RejectType } from './reject.js';

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
  check(s, ctx) {
    if (s.with === 'tcp-reset' && (ctx.header.proto !== IPPROTO.TCP || ctx.header.protoInv)) {
      return 'REJECT --reject-with tcp-reset needs -p tcp (not inverted) in the same rule';
    }
    return null;
  },
  save: (s) => ` --reject-with ${s.with}`,
};
