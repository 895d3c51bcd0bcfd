/**
 * Kernel conformance, capture replay: a random capture is sent into a node namespace with
 * `tcpreplay` and replayed by `natsim replay` on the same node model and ruleset; the rules'
 * counters (`iptables-legacy-save -c` against `--save-counters`) must be equal, line by line, and
 * so must the conntrack tables (tuples, TCP state, flags, mark; not the timeouts, which run on
 * the wall clock in the kernel and on the capture's clock in natsim).
 *
 * The node forwards between lan0 (the capture comes in there, from 10.10.0.0/16) and wan0 (a
 * default route through a sink namespace, which drops what it is sent without a word: its
 * forwarding is off). The rulesets are generated per seed from the corpus fragments whose packet
 * behaviour natsim models and which do not depend on time or chance (no limit, hashlimit, recent,
 * statistic random, set, socket, owner, TPROXY, REDIRECT, CT but --notrack), in all four tables,
 * with addresses and interfaces drawn from the capture's so that rules match. The capture: TCP
 * with every kind of flag combination (in flows and alone), UDP, ICMP (echo requests and replies,
 * errors), ESP; TTLs (now and then 1), TOS, DF, lengths and TCP options varying, now and then a
 * wrong IPv4 header or transport checksum; a few flows to
 * all-hosts, another multicast group or the limited broadcast. Nothing is addressed to the node's
 * own unicast addresses (its local stack would answer, which natsim does not model).
 *
 * Then the far side answers most flows (the inverse of what the client sent: SYN/ACKs, ACKs and
 * resets with fitting or random numbers, UDP, echo replies, ICMP errors quoting the client's
 * packet), played into wan0 after the client's side; then the client goes on with the flows that
 * were answered (TCP from the answer's numbers: ACKs, data, FIN or RST, now and then a number
 * off; more UDP; another echo request), so that connections see both directions and then more.
 * natsim gets all three batches in one pcapng, in the same order, each packet on its interface,
 * taken literally (`--as-captured`).
 *
 * Each case gets a node of its own (namespaces built anew), so that nothing an earlier case left
 * in the kernel (ICMP rate-limit tokens per address, packets waiting for a neighbour that never
 * answers) reaches it. REPLAY_DEBUG=PREFIX writes the kernel's `iptables-save -c` of each case to
 * PREFIX-SEED-CASE (and, next to it, the case's rules and capture and what each side sent: see
 * replay/common.ts). The per-case flow (shared with the IPv6 suite, replay6.test.ts) is in
 * replay/common.ts; this file gives the IPv4 node, fragments, addresses and capture.
 */
import { buildPacketBytes } from '../../engine/packet.js';
import { parseIPv4Strict } from '../../engine/net/addr.js';
import { encapsulate, LINKTYPE } from '../../sim/capture/link.js';
import type { Fragment, Rng } from './generate.js';
import type { HostModel } from './packet/topology.js';
import { defineReplaySuite, macOf, pick, routerHost, routerModel, suiteFragments, WAN_MAC_BYTES, type ReplayCapture } from './replay/common.js';

/** Destinations of client frames not addressed to lan0, and their source (the capture writer's default). */
const OTHER_MAC = Uint8Array.of(2, 0, 0, 0, 0, 0x99);
const BROADCAST_MAC = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
const MULTICAST_MAC = Uint8Array.of(1, 0, 0x5e, 1, 2, 3);
const CLIENT_FRAME_MAC = Uint8Array.of(2, 0, 0, 0, 0, 2);

/** Packets per capture. */
const PACKETS = 300;
/** Cases per seed (each its own rules and capture). */
const VARIANTS = 4;

const MODEL: HostModel = routerModel('replay-router', 'ipv4');
/** The same node for natsim (`--host`). */
const HOST = routerHost('ipv4');

/**
 * The capture's sources: five random addresses of 10.10/16 per case, so that no case meets
 * state an earlier one left in the node (the kernel keeps ICMP rate-limit tokens per address in
 * its inet_peer cache for minutes; conntrack is flushed between cases).
 */
function randomSources(rng: Rng): string[] {
  return Array.from({ length: 5 }, () => `10.10.${Math.floor(rng() * 256)}.${2 + Math.floor(rng() * 250)}`);
}
/**
 * Where the client's flows go: through the default route, or (10.10.200.200) back out of lan0 —
 * a redirect when send_redirects is on — or to a host on wan0's link (10.20.0.77). Some cases
 * route 10.40/16, 203.0.113/24 and 198.51.100.64/26 to unreachable, prohibit and blackhole
 * routes (`nodeSettings`), which answer with ICMP errors or nothing.
 */
const DESTINATIONS = ['10.30.0.5', '10.30.1.7', '192.0.2.10', '198.51.100.77', '203.0.113.9', '10.40.2.2', '10.10.200.200', '10.20.0.77'];
/**
 * Destinations the routing decision treats specially, for a few flows: all-hosts, the limited
 * broadcast and the broadcast addresses of the node's links (lan0's, and wan0's arriving on lan0:
 * Linux forwards no directed broadcast) are delivered to the node (whose stack answers none: no
 * port unreachable or reset for a broadcast, echo requests to one ignored), another group is
 * dropped (no multicast routing).
 */
const SPECIAL_DESTINATIONS = ['224.0.0.1', '239.1.2.3', '255.255.255.255', '10.10.255.255', '10.20.0.255'];
/**
 * Sources the routing decision refuses (martians: unspecified, loopback, multicast, the node's
 * own) or, since Linux 5.3, takes (0.1.2.3); 10.20.0.77 is on wan0's link, a martian on lan0 to
 * rp_filter 1 (as is 0.1.2.3, whose route back is the default route).
 */
const SPECIAL_SOURCES = ['0.0.0.0', '0.1.2.3', '127.0.0.5', '224.0.0.9', '10.10.0.1', '10.20.0.77'];
const PORTS = [22, 53, 80, 443, 8080, 1024, 33000, 65535];

/** Corpus fragments usable here (see the module comment). */
function usable(f: Fragment): boolean {
  if (f.family !== 'ipv4') return false;
  const m = ['addrtype', 'udp', 'comment', 'connmark', 'conntrack', 'dscp', 'icmp', 'iprange', 'length', 'mac', 'mark', 'multiport',
    'pkttype', 'policy', 'rpfilter', 'sctp', 'state', 'statistic', 'string', 'tcp', 'tcpmss', 'tos', 'ttl', 'u32', 'physdev'];
  const t = ['CHECKSUM', 'ACCEPT', 'CONNMARK', 'CT', 'DNAT', 'DSCP', 'DROP', 'RETURN', 'LOG', 'MARK', 'MASQUERADE', 'NETMAP', 'NFLOG',
    'NOTRACK', 'REJECT', 'SNAT', 'TCPMSS', 'TOS', 'TRACE', 'TTL'];
  if (!(f.kind === 'match' ? m : t).includes(f.ext)) return false;
  if (f.ext === 'statistic' && !f.text.includes('nth')) return false;
  if (f.ext === 'CT' && !/^-j CT --notrack$/.test(f.text)) return false;
  // Not modelled on a connection's first packet (its unconfirmed timeout, against jiffies).
  if (/--ctexpire/.test(f.text)) return false;
  // A random port offset is the kernel's own draw; natsim's is seeded.
  if (/--random/.test(f.text)) return false;
  return true;
}

/**
 * Fragments written for this traffic, so that rules match often (the corpus's mostly test values
 * the capture never has): [kind, text, protocol it needs, table and hooks (null: any)].
 */
const TRAFFIC_FRAGMENTS: readonly [Fragment['kind'], string, string | null, string | null, string[] | null][] = [
  ['match', '-m conntrack --ctstate NEW', null, null, null],
  ['match', '-m conntrack --ctstate ESTABLISHED,RELATED', null, null, null],
  ['match', '-m conntrack --ctstate INVALID', null, null, null],
  ['match', '-m conntrack --ctstate UNTRACKED', null, null, null],
  ['match', '-m state --state NEW,INVALID', null, null, null],
  ['match', '-m conntrack --ctstatus SEEN_REPLY', null, null, null],
  ['match', '-m conntrack --ctstate DNAT', null, null, null],
  ['match', '-m length --length 40:100', null, null, null],
  ['match', '-m ttl --ttl-gt 128', null, null, null],
  ['match', '-m addrtype --dst-type UNICAST', null, null, null],
  ['match', '-m pkttype --pkt-type unicast', null, null, null],
  ['match', '-m mark --mark 0x1/0x1', null, null, null],
  ['match', '-m connmark --mark 0x2/0x2', null, null, null],
  ['match', '-m dscp --dscp 0x00', null, null, null],
  ['match', '-m iprange --dst-range 10.30.0.0-10.30.255.255', null, null, null],
  ['match', '-m u32 --u32 "6&0xFF=6"', null, null, null],
  ['match', '-m multiport --dports 22,53,80', '-p tcp', null, null],
  ['match', '-m tcp --tcp-flags SYN,ACK SYN', '-p tcp', null, null],
  ['match', '-m tcp ! --tcp-flags FIN,SYN,RST,ACK ACK', '-p tcp', null, null],
  ['match', '-m tcp --dport 443', '-p tcp', null, null],
  ['match', '-m tcpmss --mss 1000:1500', '-p tcp', null, null],
  ['match', '-m udp --dport 53', '-p udp', null, null],
  ['match', '-m icmp --icmp-type echo-request', '-p icmp', null, null],
  ['target', '-j MARK --set-xmark 0x1/0x1', null, null, null],
  ['target', '-j CONNMARK --set-xmark 0x2/0x2', null, null, null],
  ['target', '-j CONNMARK --save-mark', null, null, null],
  ['target', '-j CONNMARK --restore-mark', null, null, null],
  ['target', '-j TTL --ttl-dec 1', null, 'mangle', ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']],
  ['target', '-j DSCP --set-dscp 10', null, 'mangle', ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']],
  ['target', '-j TOS --set-tos 0x10', null, 'mangle', ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']],
  ['target', '-j DNAT --to-destination 192.0.2.99', null, 'nat', ['PREROUTING', 'OUTPUT']],
  ['target', '-j DNAT --to-destination 198.51.100.5:8080', '-p tcp', 'nat', ['PREROUTING', 'OUTPUT']],
  ['target', '-j SNAT --to-source 10.20.0.50', null, 'nat', ['POSTROUTING', 'INPUT']],
  ['target', '-j SNAT --to-source 10.20.0.60-10.20.0.61:2000-2100', '-p udp', 'nat', ['POSTROUTING', 'INPUT']],
  ['target', '-j MASQUERADE', null, 'nat', ['POSTROUTING']],
  ['target', '-j NETMAP --to 192.0.2.0/24', null, 'nat', ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING']],
  ['target', '-j NOTRACK', null, 'raw', ['PREROUTING', 'OUTPUT']],
  ['target', '-j REJECT', null, 'filter', ['INPUT', 'FORWARD', 'OUTPUT']],
  ['target', '-j REJECT --reject-with tcp-reset', '-p tcp', 'filter', ['INPUT', 'FORWARD', 'OUTPUT']],
];

/** Addresses for -s/-d: one of the capture's, or a network around one. */
function addresses(sources: readonly string[]): (rng: Rng) => string {
  return (rng) => {
    if (rng() < 0.4) return pick(rng, ['10.0.0.0/8', '10.10.0.0/16', '10.30.0.0/16', '192.0.2.0/24', '0.0.0.0/1', '128.0.0.0/1']);
    const a = pick(rng, [...sources, ...DESTINATIONS, '10.10.0.1', '10.20.0.2']);
    return rng() < 0.5 ? a : `${a}/${pick(rng, [8, 16, 24, 30])}`;
  };
}

function iface(rng: Rng): string {
  return pick(rng, ['lan0', 'wan0', 'lan+', 'eth0', '+', 'wan0']);
}

/** The random capture of a seed: Ethernet frames to lan0, 1 ms apart. */
function randomCapture(rng: Rng, sources: readonly string[]): ReplayCapture {
  const flows = Array.from({ length: 24 }, () => {
    const seq = Math.floor(rng() * 2 ** 32);
    return {
      proto: pick(rng, [6, 6, 6, 17, 17, 1, 50]),
      src: rng() < 0.05 ? pick(rng, SPECIAL_SOURCES) : pick(rng, sources), dst: rng() < 0.1 ? pick(rng, SPECIAL_DESTINATIONS) : pick(rng, DESTINATIONS),
      sport: rng() < 0.8 ? 1024 + Math.floor(rng() * 64000) : pick(rng, PORTS), dport: pick(rng, PORTS),
      isn: seq, seq, icmpId: Math.floor(rng() * 65536),
      /** The far side's sequence number after its last answer (its SYN/ACK's ISN + 1), once it answered. */
      peerNext: -1,
    };
  });
  const frames: Uint8Array[] = [];
  for (let k = 0; k < PACKETS; k++) {
    const f = pick(rng, flows);
    // Now and then a large datagram (up to the links' 1500 bytes), for the routes with a smaller MTU.
    const size = rng();
    const payload = Uint8Array.from({ length: size < 0.5 ? 0 : size < 0.95 ? Math.floor(rng() * 120) : 1150 + Math.floor(rng() * 290) }, () => Math.floor(rng() * 256));
    const common = {
      // Now and then TTL 1: the node does not forward it and answers ICMP time exceeded.
      src: [parseIPv4Strict(f.src)!], dst: [parseIPv4Strict(f.dst)!], ttl: rng() < 0.02 ? 1 : 2 + Math.floor(rng() * 254),
      tos: rng() < 0.7 ? 0 : Math.floor(rng() * 256), ipId: Math.floor(rng() * 65536), df: rng() < 0.5,
    };
    let bytes: Uint8Array;
    if (f.proto === 6) {
      const flags = pick(rng, [0x02, 0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14, 0x00, 0x03, 0x29, 0x10, 0x18, Math.floor(rng() * 256)]);
      const mss = flags & 0x02 && rng() < 0.7 ? Uint8Array.of(2, 4, 0x05, 0xb4) : undefined;
      bytes = buildPacketBytes({ ...common, proto: 6, sport: f.sport, dport: f.dport, tcpFlags: flags, seq: f.seq, ack: flags & 0x10 ? Math.floor(rng() * 2 ** 32) : 0, window: Math.floor(rng() * 65536), payload, ...(mss ? { tcpOptions: mss } : {}) });
      f.seq = (f.seq + payload.length + (flags & 0x03 ? 1 : 0)) >>> 0;
    } else if (f.proto === 17) {
      bytes = buildPacketBytes({ ...common, proto: 17, sport: f.sport, dport: f.dport, payload });
    } else if (f.proto === 1) {
      const type = pick(rng, [8, 8, 8, 0, 13, 3, 11]);
      if (type === 3 || type === 11) {
        // An error quoting the start of a datagram of another flow, sent the other way.
        const q = pick(rng, flows);
        const inner = buildPacketBytes({ src: [parseIPv4Strict(q.dst)!], dst: [parseIPv4Strict(q.src)!], proto: q.proto === 6 ? 6 : 17, sport: q.dport, dport: q.sport, ttl: 30 }).subarray(0, 28);
        bytes = buildPacketBytes({ ...common, proto: 1, icmpType: type, icmpCode: type === 3 ? pick(rng, [1, 3, 4]) : 0, payload: inner });
      } else {
        bytes = buildPacketBytes({ ...common, proto: 1, icmpType: type, icmpId: f.icmpId, icmpSeq: k, payload });
      }
    } else {
      bytes = buildPacketBytes({ ...common, proto: 50, payload: Uint8Array.from({ length: 16 }, (_, i) => (i < 4 ? 1 : k & 255)) });
    }
    // Now and then a wrong checksum: the IPv4 header's (ip_rcv_core drops the packet before
    // PREROUTING) or the transport's (conntrack marks it INVALID, nf_conntrack_checksum).
    const bad = rng();
    if (bad < 0.01) bytes[10] ^= 0x5a;
    else if (bad < 0.02 && (f.proto === 6 || f.proto === 17)) bytes[20 + (f.proto === 6 ? 16 : 6)] ^= 0x5a;
    // Now and then a frame not addressed to lan0: another host's MAC address (ip_rcv_core drops it
    // before PREROUTING), the broadcast address or a multicast group's (received, delivered, but
    // not forwarded: ip_forward takes PACKET_HOST only).
    const to = rng();
    const dst = to < 0.02 ? OTHER_MAC : to < 0.03 ? BROADCAST_MAC : to < 0.04 ? MULTICAST_MAC : null;
    frames.push(encapsulate(LINKTYPE.ETHERNET, 'ipv4', bytes, dst ? { ethernet: { dst, src: CLIENT_FRAME_MAC } } : {}));
  }
  // The answers, from the far side, to most flows: the inverse of what the client sent (a
  // connection NAT changed does not get them as its replies, which the comparison covers too).
  const replies: Uint8Array[] = [];
  for (const f of flows) {
    // No answers to the special sources: one is the node's own address, whose stack would answer.
    if (SPECIAL_DESTINATIONS.includes(f.dst) || SPECIAL_SOURCES.includes(f.src) || rng() < 0.4) continue;
    for (let n = 1 + Math.floor(rng() * 3); n > 0; n--) {
      const common = {
        src: [parseIPv4Strict(f.dst)!], dst: [parseIPv4Strict(f.src)!], ttl: 2 + Math.floor(rng() * 254),
        tos: rng() < 0.8 ? 0 : Math.floor(rng() * 256), ipId: Math.floor(rng() * 65536), df: rng() < 0.5,
      };
      const payload = Uint8Array.from({ length: rng() < 0.5 ? 0 : Math.floor(rng() * 80) }, () => Math.floor(rng() * 256));
      let bytes: Uint8Array;
      if (f.proto === 6) {
        const flags = pick(rng, [0x12, 0x12, 0x10, 0x18, 0x14, 0x11, 0x04]);
        const ack = rng() < 0.7 ? (flags === 0x12 ? (f.isn + 1) >>> 0 : f.seq) : Math.floor(rng() * 2 ** 32);
        const seq = f.peerNext >= 0 && rng() < 0.8 ? f.peerNext : Math.floor(rng() * 2 ** 32);
        const data = flags & 0x04 ? new Uint8Array(0) : payload;
        bytes = buildPacketBytes({ ...common, proto: 6, sport: f.dport, dport: f.sport, tcpFlags: flags, seq, ack, window: 1024 + Math.floor(rng() * 64000), payload: data });
        f.peerNext = (seq + data.length + (flags & 0x03 ? 1 : 0)) >>> 0;
      } else if (f.proto === 17) {
        bytes = buildPacketBytes({ ...common, proto: 17, sport: f.dport, dport: f.sport, payload });
      } else if (f.proto === 1 && rng() < 0.5) {
        bytes = buildPacketBytes({ ...common, proto: 1, icmpType: 0, icmpId: f.icmpId, icmpSeq: n, payload });
      } else if (f.proto === 50) {
        bytes = buildPacketBytes({ ...common, proto: 50, payload: Uint8Array.from({ length: 16 }, (_, i) => (i < 4 ? 2 : n)) });
      } else {
        // An error about what the client sent (port unreachable for UDP and TCP, else host).
        const inner = buildPacketBytes({ src: [parseIPv4Strict(f.src)!], dst: [parseIPv4Strict(f.dst)!], proto: f.proto === 1 ? 17 : f.proto, sport: f.sport, dport: f.dport, ttl: 30 }).subarray(0, 28);
        bytes = buildPacketBytes({ ...common, proto: 1, icmpType: 3, icmpCode: f.proto === 1 ? 1 : 3, payload: inner });
      }
      replies.push(encapsulate(LINKTYPE.ETHERNET, 'ipv4', bytes, { ethernet: { dst: WAN_MAC_BYTES, src: Uint8Array.of(2, 0, 0, 0, 0, 4) } }));
      if (f.peerNext < 0) f.peerNext = 0;
    }
  }
  // A host on wan0's link starting flows of its own through the node and back out of wan0 (to
  // the default route's gateway, or its own link): a redirect when send_redirects is on.
  for (let n = Math.floor(rng() * 6); n > 0; n--) {
    const dst = pick(rng, ['10.30.0.5', '192.0.2.10', '10.20.0.88', '10.10.200.200']);
    const bytes = buildPacketBytes({ src: [parseIPv4Strict('10.20.0.77')!], dst: [parseIPv4Strict(dst)!], proto: 17, sport: 4000 + n, dport: pick(rng, PORTS), ttl: 2 + Math.floor(rng() * 100), ipId: Math.floor(rng() * 65536) });
    replies.push(encapsulate(LINKTYPE.ETHERNET, 'ipv4', bytes, { ethernet: { dst: WAN_MAC_BYTES, src: Uint8Array.of(2, 0, 0, 0, 0, 5) } }));
  }
  // The client again, to the flows that were answered: TCP going on from the answer (ACK, data,
  // FIN, now and then a number off), more UDP, another echo request — connections that saw both
  // directions and then more (ASSURED, ESTABLISHED and on through the TCP states).
  const followups: Uint8Array[] = [];
  for (const f of flows) {
    if (f.peerNext < 0) continue;
    for (let n = 1 + Math.floor(rng() * 3); n > 0; n--) {
      const common = {
        src: [parseIPv4Strict(f.src)!], dst: [parseIPv4Strict(f.dst)!], ttl: 2 + Math.floor(rng() * 254),
        tos: 0, ipId: Math.floor(rng() * 65536), df: true,
      };
      const payload = Uint8Array.from({ length: rng() < 0.4 ? 0 : 1 + Math.floor(rng() * 100) }, () => Math.floor(rng() * 256));
      let bytes: Uint8Array;
      if (f.proto === 6) {
        const flags = n === 1 && rng() < 0.4 ? pick(rng, [0x11, 0x04, 0x14]) : pick(rng, [0x10, 0x18, 0x18]);
        const off = rng() < 0.1;
        const seq = off ? Math.floor(rng() * 2 ** 32) : f.seq;
        const data = flags & 0x04 ? new Uint8Array(0) : payload;
        bytes = buildPacketBytes({ ...common, proto: 6, sport: f.sport, dport: f.dport, tcpFlags: flags, seq, ack: f.peerNext, window: 1024 + Math.floor(rng() * 64000), payload: data });
        if (!off) f.seq = (f.seq + data.length + (flags & 0x01 ? 1 : 0)) >>> 0;
      } else if (f.proto === 17) {
        bytes = buildPacketBytes({ ...common, proto: 17, sport: f.sport, dport: f.dport, payload });
      } else if (f.proto === 1) {
        bytes = buildPacketBytes({ ...common, proto: 1, icmpType: 8, icmpId: f.icmpId, icmpSeq: 100 + n, payload });
      } else {
        bytes = buildPacketBytes({ ...common, proto: 50, payload: Uint8Array.from({ length: 16 }, (_, i) => (i < 4 ? 1 : 200 + n)) });
      }
      followups.push(encapsulate(LINKTYPE.ETHERNET, 'ipv4', bytes));
    }
  }
  return { forward: frames, replies, followups };
}

/**
 * A case's node settings, as `sysctl -w` sets them in the node and `--sysctl` tells natsim:
 * rp_filter off, strict or loose (all's and lan0's combine as their larger), send_redirects on
 * everywhere (the kernel's default), off everywhere, or off for all but on for lan0 (either on
 * counts); in half the cases the reject routes (see DESTINATIONS); in a few, forwarding off on
 * lan0 or wan0 (`net.ipv4.conf.DEV.forwarding`), or off on lan0 and then set again for all; in
 * half drop_unicast_in_l2_multicast (all's or lan0's); in half, a route with a smaller MTU.
 */
function nodeSettings(rng: Rng): { sysctl: string[]; routes: string[] } {
  const redirects = pick(rng, [[1, 1, 1], [0, 0, 0], [0, 1, 0], [0, 0, 1]] as const);
  const sysctl = [
    `net.ipv4.conf.all.rp_filter=${pick(rng, [0, 0, 1, 2])}`, `net.ipv4.conf.lan0.rp_filter=${pick(rng, [0, 0, 1, 2])}`,
    ...(['all', 'lan0', 'wan0'] as const).map((k, i) => `net.ipv4.conf.${k}.send_redirects=${redirects[i]}`),
    // Now and then forwarding off for one device (what arrives there is not forwarded), or off and
    // then on again through ip_forward (which sets every device's when it changes).
    ...pick(rng, [[], [], [], [], [], ['net.ipv4.conf.lan0.forwarding=0'], ['net.ipv4.conf.wan0.forwarding=0'],
      ['net.ipv4.conf.lan0.forwarding=0', 'net.ipv4.ip_forward=0', 'net.ipv4.ip_forward=1']]),
    // Now and then unicast packets in broadcast or multicast frames dropped (all's or lan0's).
    ...pick(rng, [[], [], ['net.ipv4.conf.lan0.drop_unicast_in_l2_multicast=1'], ['net.ipv4.conf.all.drop_unicast_in_l2_multicast=1']]),
  ];
  const routes = rng() < 0.5 ? ['unreachable 10.40.0.0/16', 'prohibit 203.0.113.0/24', 'blackhole 198.51.100.64/26'] : [];
  // In half the cases a smaller MTU towards 10.30/16 (ip_forward's MTU check: DF packets get ICMP
  // fragmentation needed, the others go on).
  if (rng() < 0.5) routes.push(pick(rng, ['10.30.0.0/16 via 10.20.0.2 dev wan0 mtu 1280', '10.30.0.0/16 via 10.20.0.2 dev wan0 mtu lock 1400']));
  return { sysctl, routes };
}

defineReplaySuite({
  title: 'capture replay: tcpreplay into the kernel and natsim replay agree',
  family: 'ipv4',
  file: 'test/kernel/replay.test.ts',
  report: 'replay',
  caseId: (seed, variant) => `seed ${seed} case ${variant}`,
  purpose: (variant) => `replay ${variant}`,
  debugName: (seed, variant) => `${seed}-${variant}`,
  packets: PACKETS,
  // As the kernel gets them: each batch at once (tcpreplay's top speed plays 300 packets in a few
  // milliseconds, within a jiffy or two: natsim's packets 1 µs apart), the batches 700 ms apart —
  // so that the rate limits of ICMP errors and redirects see the same clock on both sides.
  timing: { packetUs: 1, batchGapMs: 700, waitMs: 700 },
  variants: VARIANTS,
  model: MODEL,
  host: HOST,
  fragments: () => suiteFragments('ipv4', 'replay.test.ts', usable, TRAFFIC_FRAGMENTS),
  sources: randomSources,
  address: addresses,
  iface,
  capture: randomCapture,
  prepareNode(topo, ex, sources) {
    // Fixed neighbour entries for every address the node sends to, so that no ARP exchange is
    // pending while the capture plays and what it sends leaves (a REPLAY_DEBUG capture shows it):
    // the sink and the hosts on wan0's link; the client's sources and 10.10.200.200 on lan0.
    const sinkMac = macOf(topo, 'sink'), clientMac = macOf(topo, 'client');
    for (const a of ['10.20.0.2', '10.20.0.77', '10.20.0.88']) ex(topo.node, 'ip', ['neigh', 'replace', a, 'lladdr', sinkMac, 'dev', 'wan0', 'nud', 'permanent']);
    for (const a of [...sources, '10.10.200.200']) ex(topo.node, 'ip', ['neigh', 'replace', a, 'lladdr', clientMac, 'dev', 'lan0', 'nud', 'permanent']);
    // The client's own stack sends nothing (tcpreplay's frames bypass OUTPUT): a rule may rewrite a
    // flow to its address, and its answer — or the ARP request for it (seed 1225730942) — would
    // reach the node beside the capture.
    ex(topo.neighbours.get('client')!, 'iptables-legacy', ['-w', '-A', 'OUTPUT', '-j', 'DROP']);
  },
  nodeSettings,
  onNodeCapture: true,
});
