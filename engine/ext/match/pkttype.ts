/**
 * `-m pkttype [!] --pkt-type unicast|broadcast|multicast|otherhost`: the link-layer packet type
 * (skb->pkt_type; `host`, `bcast`, `mcast` are aliases) (libxt_pkttype, xt_pkttype.c).
 */
import type { MatchExtension } from '../types.js';

/** Packet types (PACKET_HOST 0, BROADCAST 1, MULTICAST 2, OTHERHOST 3); the first name of each is saved. */
export const PKT_TYPES: ReadonlyArray<[string, number]> = [
  ['unicast', 0], ['broadcast', 1], ['multicast', 2], ['otherhost', 3],
  ['bcast', 1], ['mcast', 2], ['host', 0],
];

/** Parsed options: the kernel's `xt_pkttype_info`. */
export interface PkttypeState { pktType: number; invert: boolean; given: boolean }

/** The pkttype match. */
export const pkttype: MatchExtension<PkttypeState> = {
  kind: 'match',
  name: 'pkttype',
  options: [{ name: 'pkt-type', args: 1, invert: true }],
  create: () => ({ pktType: 0, invert: false, given: false }),
  parse(s, _opt, [arg], invert, ctx) {
    const t = PKT_TYPES.find(([name]) => name.toLowerCase() === arg!.toLowerCase());
    if (!t) return ctx.fail(`Bad packet type '${arg}' (expected unicast, broadcast, multicast or otherhost)`);
    s.pktType = t[1];
    s.invert = invert;
    s.given = true;
  },
  finalCheck(s, ctx) {
    if (!s.given) ctx.fail('option "--pkt-type" must be specified');
  },
  save: (s) => `${s.invert ? ' !' : ''} --pkt-type ${PKT_TYPES.find(([, n]) => n === s.pktType)![0]}`,
};
