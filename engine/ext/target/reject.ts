/**
 * `-j REJECT [--reject-with type]` for IPv4: drop the packet and answer with an ICMP error or a
 * TCP RST (filter table, INPUT/FORWARD/OUTPUT). The type is matched as iptables 1.8.9 does: the
 * argument may be any case-insensitive prefix of a name or its alias, the first entry in table
 * order winning (`icmp-p` is icmp-proto-unreachable, an empty word icmp-net-unreachable). The
 * canonical name is saved, the default `icmp-port-unreachable` included. `tcp-reset` needs
 * `-p tcp` (not inverted) in the rule, a kernel check at COMMIT.
 *
 * Packet behaviour (ipt_REJECT.c `reject_tg`): the packet is dropped (NF_DROP) after the answer the
 * kernel would send is built (`reject-packet.ts`: ICMP 3/0, 3/1, 3/2, 3/3, 3/9, 3/10, 3/13 or a
 * TCP RST, with every case in which the kernel sends nothing) and handed to `ctx.emit`, which sends
 * it through this node's OUTPUT path.
 */
import { DROP, type ParseContext, type TargetExtension } from '../types.js';
import { icmp4Unreach, tcpReset4, attachedConntrack, rejectTcpResetCheck } from './reject-packet.js';

/** One reject type: canonical name and alias, in libipt_REJECT's table order. */
export interface RejectType { name: string; alias: string }

/** IPv4 reject types (`enum ipt_reject_with` order; echo-reply is no longer offered). */
export const REJECT_TYPES: readonly RejectType[] = [
  { name: 'icmp-net-unreachable', alias: 'net-unreach' },
  { name: 'icmp-host-unreachable', alias: 'host-unreach' },
  { name: 'icmp-proto-unreachable', alias: 'proto-unreach' },
  { name: 'icmp-port-unreachable', alias: 'port-unreach' },
  { name: 'icmp-net-prohibited', alias: 'net-prohib' },
  { name: 'icmp-host-prohibited', alias: 'host-prohib' },
  { name: 'tcp-reset', alias: 'tcp-rst' },
  { name: 'icmp-admin-prohibited', alias: 'admin-prohib' },
];

/** The first type whose name or alias starts with `arg`, ignoring case; null if none. */
export function findRejectType(types: readonly RejectType[], arg: string): RejectType | null {
  const a = arg.toLowerCase();
  for (const t of types) if (t.name.startsWith(a) || t.alias.startsWith(a)) return t;
  return null;
}

/** Parse state: the canonical type name. */
export interface RejectState { with: string }

function parseReject4(s: RejectState, arg: string, ctx: ParseContext): void {
  const t = findRejectType(REJECT_TYPES, arg);
  if (t) {
    s.with = t.name;
    return;
  }
  const a = arg.toLowerCase();
  if ('echo-reply'.startsWith(a) || 'echoreply'.startsWith(a)) {
    ctx.fail('--reject-with echo-reply no longer supported');
  }
  ctx.fail(`unknown reject type "${arg}" (expected one of ${REJECT_TYPES.map((x) => x.name).join(', ')})`);
}

/** ICMP codes by reject type (ICMP_NET_UNREACH … ICMP_PKT_FILTERED). */
const ICMP_CODES: Readonly<Record<string, number>> = {
  'icmp-net-unreachable': 0, 'icmp-host-unreachable': 1, 'icmp-proto-unreachable': 2, 'icmp-port-unreachable': 3,
  'icmp-net-prohibited': 9, 'icmp-host-prohibited': 10, 'icmp-admin-prohibited': 13,
};

/** The REJECT target (IPv4). */
export const REJECT: TargetExtension<RejectState> = {
  kind: 'target',
  name: 'REJECT',
  families: ['ipv4'],
  options: [{ name: 'reject-with', args: 1 }],
  tables: ['filter'],
  hooks: ['INPUT', 'FORWARD', 'OUTPUT'],
  create: () => ({ with: 'icmp-port-unreachable' }),
  parse(s, _opt, [arg], _invert, ctx) {
    parseReject4(s, arg!, ctx);
  },
  check: (s, ctx) => rejectTcpResetCheck(s.with, ctx.header),
  save: (s) => ` --reject-with ${s.with}`,
  /** Send the ICMP error or TCP reset the kernel would, then drop. */
  target(s, pkt, _rt, ctx) {
    const out = s.with === 'tcp-reset' ? tcpReset4(pkt, ctx) : icmp4Unreach(pkt, ICMP_CODES[s.with]!, ctx);
    if (out) ctx.emit(out, 'ipv4', attachedConntrack(pkt) ?? undefined);
    return DROP;
  },
};
