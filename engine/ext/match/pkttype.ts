/**
 * `-m pkttype [!] --pkt-type unicast|broadcast|multicast|otherhost`: the link-layer packet type
 * (skb->pkt_type; `host`, `bcast`, `mcast` are aliases) (libxt_pkttype, xt_pkttype.c).
 *
 * Packet behaviour (`pkttype_mt`): `type == wanted` XOR `!`, with the type the kernel's
 * `skb->pkt_type` would hold, which natsim derives as follows (see `packetType`):
 * - Packets the node sends (OUTPUT, and POSTROUTING without an in device): PACKET_HOST, i.e.
 *   `unicast`, whatever the destination — a socket's skb is allocated zeroed and nothing on the
 *   output path sets it. Observed on Linux 6.18 (IPv4 and IPv6): UDP to 10.77.0.255,
 *   255.255.255.255, 224.0.0.1, ff02::1 counted `unicast` in OUTPUT and POSTROUTING.
 * - Received with an Ethernet header (`pkt.link`): `eth_type_trans` on the destination MAC:
 *   group bit set → `broadcast` for ff:ff:ff:ff:ff:ff, else `multicast`; a unicast MAC →
 *   `unicast`. PACKET_OTHERHOST never reaches an iptables hook (ip_rcv_core drops it, and
 *   br_netfilter's setup_pre_routing / br_nf_forward_ip rewrite it to PACKET_HOST), so
 *   `--pkt-type otherhost` never matches.
 * - Received without a link header (natsim input that carries none): as the sender's
 *   IP-to-link mapping would give it — an IPv4 224/4 or IPv6 ff00::/8 destination →
 *   `multicast`; 255.255.255.255 or a broadcast address of this node's local table (a subnet
 *   broadcast) → `broadcast`; anything else → `unicast`. The destination is the one the packet
 *   arrived with (its conntrack tuple), so a DNAT at PREROUTING does not change the type.
 *   Packets that re-enter through `lo` (local destinations) are `unicast`, as the kernel's
 *   all-zero lo MAC gives.
 * - Not modelled because natsim never produces them: PACKET_LOOPBACK copies of sent
 *   multicast/broadcast (which the kernel maps to multicast, or broadcast for IPv4 non-multicast).
 */
import type { Packet } from '../../packet.js';
import type { MatchExtension, PacketContext } from '../types.js';
import { addrType } from '../../host/host.js';
import { CTINFO } from '../../conntrack/entry.js';
import { tupleOf } from '../../conntrack/table.js';
import type { Words } from '../../net/addr.js';

/** Packet types (PACKET_HOST 0, BROADCAST 1, MULTICAST 2, OTHERHOST 3); the first name of each is saved. */
export const PKT_TYPES: ReadonlyArray<[string, number]> = [
  ['unicast', 0], ['broadcast', 1], ['multicast', 2], ['otherhost', 3],
  ['bcast', 1], ['mcast', 2], ['host', 0],
];

/** PACKET_HOST … PACKET_OTHERHOST. */
export const PACKET = { HOST: 0, BROADCAST: 1, MULTICAST: 2, OTHERHOST: 3 } as const;

/** The packet type the kernel's `skb->pkt_type` would hold at this hook (see the file comment). */
export function packetType(pkt: Packet, ctx: PacketContext): number {
  if (ctx.hook === 'OUTPUT' || (ctx.hook === 'POSTROUTING' && pkt.inIface === null)) return PACKET.HOST;
  if (pkt.link) {
    const d = pkt.link.dst;
    if ((d[0]! & 1) === 0) return PACKET.HOST;
    return d.every((b) => b === 0xff) ? PACKET.BROADCAST : PACKET.MULTICAST;
  }
  const dst = arrivedDst(pkt);
  if (pkt.family === 'ipv6') return dst[0]! >>> 24 === 0xff ? PACKET.MULTICAST : PACKET.HOST;
  const a = dst[0]!;
  if (a >>> 28 === 0xe) return PACKET.MULTICAST;
  if (a !== 0 && addrType(ctx.host, 'ipv4', dst) === 'BROADCAST') return PACKET.BROADCAST;
  return PACKET.HOST;
}

/**
 * The destination the packet arrived with: pkt_type is fixed on reception, so a DNAT earlier at
 * PREROUTING must not change it. The conntrack tuple of the packet's direction holds that address
 * (NEW, ESTABLISHED and their replies); RELATED ICMP errors and untracked packets use `pkt.dst`.
 */
function arrivedDst(pkt: Packet): Words {
  if (pkt.ct && (pkt.ctinfo === CTINFO.NEW || pkt.ctinfo === CTINFO.ESTABLISHED)) return tupleOf(pkt.ct, 0).dst;
  if (pkt.ct && pkt.ctinfo === CTINFO.ESTABLISHED_REPLY) return tupleOf(pkt.ct, 1).dst;
  return pkt.dst;
}

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
  /** `pkttype_mt`: the packet's type equals the wanted one. */
  match: (s, pkt, _rt, ctx) => (packetType(pkt, ctx) === s.pktType) !== s.invert,
  save: (s) => `${s.invert ? ' !' : ''} --pkt-type ${PKT_TYPES.find(([, n]) => n === s.pktType)![0]}`,
};
