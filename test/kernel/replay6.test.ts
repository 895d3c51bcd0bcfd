/**
 * Kernel conformance, capture replay for IPv6: the IPv4 suite's oracle (replay.test.ts; the
 * per-case flow is replay/common.ts) on an IPv6 node. A random capture is sent into the node
 * with `tcpreplay` and replayed by `natsim replay` on the same node model and ruleset; the rules'
 * counters (`ip6tables-legacy-save -c` against `--save-counters`) must be equal, line by line, and
 * so must the conntrack tables (`conntrack -L -f ipv6`: tuples, TCP state, flags, mark).
 *
 * The node forwards between lan0 (2001:db8:10::1/64; the capture comes in there, from random
 * sources of 2001:db8:10::/64) and wan0 (2001:db8:20::1/64, a default route through a sink
 * namespace that drops what it is sent). The namespaces keep IPv6 on but send nothing of their
 * own (the topology's `ipv6` option: no DAD, no router solicitations, no link-local addresses —
 * so the node's interfaces carry exactly the addresses natsim is told, and it sends no redirects —
 * and the MLD reports of the links coming up are over before the rules are restored); the node
 * answers no echo request to a multicast group, and has a permanent neighbour entry for every
 * address it could send to (the sink, the client and each of the case's sources), so that it
 * never sends a Neighbour Solicitation.
 *
 * The rulesets come from the corpus fragments of family ipv6 whose packet behaviour natsim models
 * and which do not depend on time or chance (as in the IPv4 suite, with hl/HL and icmp6 for
 * ttl/TTL and icmp), plus fragments written for this traffic. The capture: TCP with every kind of
 * flag combination, UDP, ICMPv6 (echo requests and replies, destination unreachable, packet too
 * big and time exceeded quoting a packet of another flow), ESP; hop limits (now and then 1, which
 * the node answers with time exceeded), traffic classes, flow labels, lengths, TCP options, now
 * and then a hop-by-hop or destination options header (PadN only). A few flows have a source or
 * destination the kernel treats specially: ::1, ::, ff02::5, fe80::1234 and ::ffff:10.1.2.3 as
 * sources, ff02::1, ff0e::1234, ff01::1, ff00::1, ::1 and fe80::99 as destinations. Nothing is
 * addressed to the node's own unicast (or subnet-router anycast) addresses. Then the far side
 * answers most flows, and the client goes on with the answered ones, as in the IPv4 suite.
 *
 * REPLAY_DEBUG=PREFIX writes the kernel's `ip6tables-save -c` of each case to PREFIX-ipv6-SEED-CASE
 * (and the case's rules, capture and what each side sent next to it: see replay/common.ts).
 */
import { buildPacketBytes, type PacketSpec } from '../../engine/packet.js';
import { parseIPv6 } from '../../engine/net/addr.js';
import { encapsulate, LINKTYPE } from '../../sim/capture/link.js';
import type { Fragment, Rng } from './generate.js';
import type { HostModel } from './packet/topology.js';
import { defineReplaySuite, macOf, pick, routerHost, routerModel, suiteFragments, WAN_MAC_BYTES, type ReplayCapture } from './replay/common.js';

/** Packets of the client's first batch. */
const PACKETS = 300;
/** Cases per seed (each its own rules and capture). */
const VARIANTS = 4;
/**
 * Each batch as the kernel gets it — at once (tcpreplay at top speed: a few milliseconds, about a
 * jiffy) — a microsecond between packets in natsim's capture, and 700 ms between batches in both:
 * the ICMPv6 rate limits (per destination 100 ms a message with a burst of 6 on this kernel,
 * namespace-wide 1000/s with a burst of 50) see the same bursts and are full again when the next
 * batch starts, however long tcpreplay takes to start.
 */
const TIMING = { packetUs: 1, batchGapMs: 700, waitMs: 700 };

const MODEL: HostModel = routerModel('replay6-router', 'ipv6');
/** The same node for natsim (`--host`). */
const HOST = routerHost('ipv6');

/**
 * The capture's sources: five random addresses of 2001:db8:10::/64 per case (never the node's
 * 2001:db8:10::1, its subnet-router anycast 2001:db8:10:: or the client's ::2: the interface
 * identifier's first group is at least 0x100), so that no case meets state an earlier one left.
 */
function randomSources(rng: Rng): string[] {
  const g = () => Math.floor(rng() * 0x10000).toString(16);
  return Array.from({ length: 5 }, () => `2001:db8:10:0:${(0x100 + Math.floor(rng() * 0xff00)).toString(16)}:${g()}:${g()}:${g()}`);
}
/** Destinations, all routed through the sink. */
const DESTINATIONS = ['2001:db8:30::5', '2001:db8:30:1::7', '2001:db8:40::2:2', '2001:db8:ab::77', '3fff::10', '2001:db8:40:ff::9'];
/**
 * Destinations the kernel treats specially, for a few flows: ff02::1 (all nodes: delivered to
 * the node, which answers no echo request to a group here), ff0e::1234 (a group the node is not
 * in), ff01::1 (interface-local), ff00::1 (multicast scope 0), ::1 (loopback, from another
 * device) and fe80::99 (link-local: the node has no link-local address, hence no route).
 */
const SPECIAL_DESTINATIONS = ['ff02::1', 'ff0e::1234', 'ff01::1', 'ff00::1', '::1', 'fe80::99'];
/** Sources the kernel treats specially: loopback, unspecified, multicast, link-local, IPv4-mapped. */
const SPECIAL_SOURCES = ['::1', '::', 'ff02::5', 'fe80::1234', '::ffff:10.1.2.3'];
const PORTS = [22, 53, 80, 443, 8080, 1024, 33000, 65535];

/** Corpus fragments usable here (see the module comment and the IPv4 suite's). */
function usable(f: Fragment): boolean {
  if (f.family !== 'ipv6') return false;
  const m = ['addrtype', 'udp', 'comment', 'connmark', 'conntrack', 'dscp', 'icmp6', 'iprange', 'length', 'mac', 'mark', 'multiport',
    'pkttype', 'policy', 'rpfilter', 'sctp', 'state', 'statistic', 'string', 'tcp', 'tcpmss', 'tos', 'hl', 'u32', 'physdev'];
  const t = ['CHECKSUM', 'ACCEPT', 'CONNMARK', 'CT', 'DNAT', 'DSCP', 'DROP', 'RETURN', 'LOG', 'MARK', 'MASQUERADE', 'NETMAP', 'NFLOG',
    'NOTRACK', 'REJECT', 'SNAT', 'TCPMSS', 'TOS', 'TRACE', 'HL'];
  if (!(f.kind === 'match' ? m : t).includes(f.ext)) return false;
  if (f.ext === 'statistic' && !f.text.includes('nth')) return false;
  if (f.ext === 'CT' && !/^-j CT --notrack$/.test(f.text)) return false;
  // Not modelled on a connection's first packet (its unconfirmed timeout, against jiffies).
  if (/--ctexpire/.test(f.text)) return false;
  // A random port offset is the kernel's own draw; natsim's is seeded.
  if (/--random/.test(f.text)) return false;
  return true;
}

const ALL_HOOKS = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];
const FILTER_HOOKS = ['INPUT', 'FORWARD', 'OUTPUT'];

/**
 * Fragments written for this traffic, so that rules match often: [kind, text, protocol it needs,
 * table and hooks (null: any)].
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
  ['match', '-m hl --hl-gt 128', null, null, null],
  ['match', '-m hl --hl-eq 1', null, null, null],
  ['match', '-m addrtype --dst-type UNICAST', null, null, null],
  ['match', '-m addrtype --dst-type MULTICAST', null, null, null],
  ['match', '-m pkttype --pkt-type unicast', null, null, null],
  ['match', '-m mark --mark 0x1/0x1', null, null, null],
  ['match', '-m connmark --mark 0x2/0x2', null, null, null],
  ['match', '-m dscp --dscp 0x00', null, null, null],
  ['match', '-m iprange --dst-range 2001:db8:30::-2001:db8:30::ffff', null, null, null],
  ['match', '-m u32 --u32 "6>>24=6"', null, null, null],
  ['match', '-m multiport --dports 22,53,80', '-p tcp', null, null],
  ['match', '-m tcp --tcp-flags SYN,ACK SYN', '-p tcp', null, null],
  ['match', '-m tcp ! --tcp-flags FIN,SYN,RST,ACK ACK', '-p tcp', null, null],
  ['match', '-m tcp --dport 443', '-p tcp', null, null],
  ['match', '-m tcpmss --mss 1000:1500', '-p tcp', null, null],
  ['match', '-m udp --dport 53', '-p udp', null, null],
  ['match', '-m icmp6 --icmpv6-type echo-request', '-p ipv6-icmp', null, null],
  ['match', '-m icmp6 --icmpv6-type 1', '-p ipv6-icmp', null, null],
  ['target', '-j MARK --set-xmark 0x1/0x1', null, null, null],
  ['target', '-j CONNMARK --set-xmark 0x2/0x2', null, null, null],
  ['target', '-j CONNMARK --save-mark', null, null, null],
  ['target', '-j CONNMARK --restore-mark', null, null, null],
  ['target', '-j HL --hl-dec 1', null, 'mangle', ALL_HOOKS],
  ['target', '-j DSCP --set-dscp 10', null, 'mangle', ALL_HOOKS],
  ['target', '-j TOS --set-tos 0x10', null, 'mangle', ALL_HOOKS],
  ['target', '-j DNAT --to-destination 2001:db8:99::5', null, 'nat', ['PREROUTING', 'OUTPUT']],
  ['target', '-j DNAT --to-destination [2001:db8:99::5]:8080', '-p tcp', 'nat', ['PREROUTING', 'OUTPUT']],
  ['target', '-j SNAT --to-source 2001:db8:20::50', null, 'nat', ['POSTROUTING', 'INPUT']],
  ['target', '-j SNAT --to-source [2001:db8:20::60-2001:db8:20::61]:2000-2100', '-p udp', 'nat', ['POSTROUTING', 'INPUT']],
  ['target', '-j MASQUERADE', null, 'nat', ['POSTROUTING']],
  ['target', '-j NETMAP --to 2001:db8:99::/64', null, 'nat', ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING']],
  ['target', '-j NOTRACK', null, 'raw', ['PREROUTING', 'OUTPUT']],
  ['target', '-j REJECT', null, 'filter', FILTER_HOOKS],
  ['target', '-j REJECT --reject-with tcp-reset', '-p tcp', 'filter', FILTER_HOOKS],
  ['target', '-j REJECT --reject-with icmp6-adm-prohibited', null, 'filter', FILTER_HOOKS],
];

/** Addresses for -s/-d: one of the capture's, or a network around one. */
function addresses(sources: readonly string[]): (rng: Rng) => string {
  return (rng) => {
    if (rng() < 0.4) return pick(rng, ['2001:db8::/32', '2001:db8:10::/64', '2001:db8:30::/48', '2001:db8:20::/64', '::/1', '8000::/1', 'fe80::/10', 'ff00::/8']);
    const a = pick(rng, [...sources, ...DESTINATIONS, '2001:db8:10::1', '2001:db8:20::2', 'fe80::1234', 'ff02::1']);
    return rng() < 0.5 ? a : `${a}/${pick(rng, [32, 48, 64, 96, 120])}`;
  };
}

function iface(rng: Rng): string {
  return pick(rng, ['lan0', 'wan0', 'lan+', 'eth0', '+', 'wan0']);
}

function addr(text: string): number[] {
  const w = parseIPv6(text);
  if (!w) throw new Error(`not an IPv6 address: ${text}`);
  return w;
}

/** An IPv6 packet with a random flow label (the engine's builder writes 0). */
function build(rng: Rng, spec: PacketSpec): Uint8Array {
  const b = buildPacketBytes({ ...spec, family: 'ipv6' });
  if (rng() < 0.5) {
    const fl = Math.floor(rng() * 0x100000);
    b[1] = (b[1]! & 0xf0) | (fl >>> 16);
    b[2] = (fl >>> 8) & 0xff;
    b[3] = fl & 0xff;
  }
  return b;
}

/**
 * The packet with an 8-byte hop-by-hop (0) or destination options (60) header (a PadN option
 * filling it) between the IPv6 header and the rest; the transport checksum does not cover it.
 */
function withOptionsHeader(b: Uint8Array, type: 0 | 60): Uint8Array {
  const out = new Uint8Array(b.length + 8);
  out.set(b.subarray(0, 40), 0);
  out.set(Uint8Array.of(b[6]!, 0, 1, 4, 0, 0, 0, 0), 40);
  out.set(b.subarray(40), 48);
  out[6] = type;
  const len = b.length - 40 + 8;
  out[4] = len >>> 8;
  out[5] = len & 0xff;
  return out;
}

/** The start of an IPv6 datagram as an ICMPv6 error quotes it (header and 8 bytes). */
function quoted(src: string, dst: string, proto: number, sport: number, dport: number): Uint8Array {
  return buildPacketBytes({ family: 'ipv6', src: addr(src), dst: addr(dst), proto: proto === 6 ? 6 : 17, sport, dport, ttl: 30 }).subarray(0, 48);
}

/** Destinations of client frames not addressed to lan0, and their source (the capture writer's default). */
const OTHER_MAC = Uint8Array.of(2, 0, 0, 0, 0, 0x99);
const BROADCAST_MAC = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
const MULTICAST_MAC = Uint8Array.of(0x33, 0x33, 0, 0, 0x12, 0x34);
const CLIENT_FRAME_MAC = Uint8Array.of(2, 0, 0, 0, 0, 2);

const frame = (bytes: Uint8Array, o: Parameters<typeof encapsulate>[3] = {}): Uint8Array => encapsulate(LINKTYPE.ETHERNET, 'ipv6', bytes, o);

/** The random capture of a case: Ethernet frames to lan0 (and wan0 for the answers), 1 ms apart. */
function randomCapture(rng: Rng, sources: readonly string[]): ReplayCapture {
  const flows = Array.from({ length: 24 }, () => {
    const seq = Math.floor(rng() * 2 ** 32);
    return {
      proto: pick(rng, [6, 6, 6, 17, 17, 58, 50]),
      src: rng() < 0.06 ? pick(rng, SPECIAL_SOURCES) : pick(rng, sources), dst: rng() < 0.12 ? pick(rng, SPECIAL_DESTINATIONS) : pick(rng, DESTINATIONS),
      sport: rng() < 0.8 ? 1024 + Math.floor(rng() * 64000) : pick(rng, PORTS), dport: pick(rng, PORTS),
      isn: seq, seq, icmpId: Math.floor(rng() * 65536),
      /** The far side's sequence number after its last answer (its SYN/ACK's ISN + 1), once it answered. */
      peerNext: -1,
    };
  });
  const frames: Uint8Array[] = [];
  for (let k = 0; k < PACKETS; k++) {
    const f = pick(rng, flows);
    // Now and then a large datagram (within the links' 1500 bytes with any extension header), for
    // the route with a smaller MTU.
    const size = rng();
    const payload = Uint8Array.from({ length: size < 0.5 ? 0 : size < 0.95 ? Math.floor(rng() * 120) : 1100 + Math.floor(rng() * 200) }, () => Math.floor(rng() * 256));
    const common = {
      // Now and then hop limit 1: the node does not forward it and answers ICMPv6 time exceeded.
      src: addr(f.src), dst: addr(f.dst), ttl: rng() < 0.02 ? 1 : 2 + Math.floor(rng() * 254),
      tos: rng() < 0.7 ? 0 : Math.floor(rng() * 256),
    };
    let bytes: Uint8Array;
    if (f.proto === 6) {
      const flags = pick(rng, [0x02, 0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14, 0x00, 0x03, 0x29, 0x10, 0x18, Math.floor(rng() * 256)]);
      const mss = flags & 0x02 && rng() < 0.7 ? Uint8Array.of(2, 4, 0x05, 0xa0) : undefined;
      bytes = build(rng, { ...common, proto: 6, sport: f.sport, dport: f.dport, tcpFlags: flags, seq: f.seq, ack: flags & 0x10 ? Math.floor(rng() * 2 ** 32) : 0, window: Math.floor(rng() * 65536), payload, ...(mss ? { tcpOptions: mss } : {}) });
      f.seq = (f.seq + payload.length + (flags & 0x03 ? 1 : 0)) >>> 0;
    } else if (f.proto === 17) {
      bytes = build(rng, { ...common, proto: 17, sport: f.sport, dport: f.dport, payload });
    } else if (f.proto === 58) {
      const type = pick(rng, [128, 128, 128, 129, 1, 2, 3]);
      if (type < 128) {
        // An error quoting the start of a datagram of another flow, sent the other way; packet
        // too big carries an MTU (1280) where the others have 4 unused bytes.
        const q = pick(rng, flows);
        const code = type === 1 ? pick(rng, [0, 1, 3, 4]) : 0;
        bytes = build(rng, { ...common, proto: 58, icmpType: type, icmpCode: code, icmpId: 0, icmpSeq: type === 2 ? 1280 : 0, payload: quoted(q.dst, q.src, q.proto, q.dport, q.sport) });
      } else {
        bytes = build(rng, { ...common, proto: 58, icmpType: type, icmpId: f.icmpId, icmpSeq: k, payload });
      }
    } else {
      bytes = build(rng, { ...common, proto: 50, payload: Uint8Array.from({ length: 16 }, (_, i) => (i < 4 ? 1 : k & 255)) });
    }
    if (rng() < 0.05) bytes = withOptionsHeader(bytes, rng() < 0.5 ? 0 : 60);
    // Now and then a frame not addressed to lan0: another host's MAC address (ip6_rcv_core drops
    // it before PREROUTING), the broadcast address or a multicast group's (received, but not
    // forwarded: ip6_forward takes PACKET_HOST only).
    const to = rng();
    const dst = to < 0.02 ? OTHER_MAC : to < 0.03 ? BROADCAST_MAC : to < 0.04 ? MULTICAST_MAC : null;
    frames.push(frame(bytes, dst ? { ethernet: { dst, src: CLIENT_FRAME_MAC } } : {}));
  }
  // The answers, from the far side, to most flows: the inverse of what the client sent (a
  // connection NAT changed does not get them as its replies, which the comparison covers too).
  const replies: Uint8Array[] = [];
  for (const f of flows) {
    if (SPECIAL_DESTINATIONS.includes(f.dst) || SPECIAL_SOURCES.includes(f.src) || rng() < 0.4) continue;
    for (let n = 1 + Math.floor(rng() * 3); n > 0; n--) {
      const common = { src: addr(f.dst), dst: addr(f.src), ttl: 2 + Math.floor(rng() * 254), tos: rng() < 0.8 ? 0 : Math.floor(rng() * 256) };
      const payload = Uint8Array.from({ length: rng() < 0.5 ? 0 : Math.floor(rng() * 80) }, () => Math.floor(rng() * 256));
      let bytes: Uint8Array;
      if (f.proto === 6) {
        const flags = pick(rng, [0x12, 0x12, 0x10, 0x18, 0x14, 0x11, 0x04]);
        const ack = rng() < 0.7 ? (flags === 0x12 ? (f.isn + 1) >>> 0 : f.seq) : Math.floor(rng() * 2 ** 32);
        const seq = f.peerNext >= 0 && rng() < 0.8 ? f.peerNext : Math.floor(rng() * 2 ** 32);
        const data = flags & 0x04 ? new Uint8Array(0) : payload;
        bytes = build(rng, { ...common, proto: 6, sport: f.dport, dport: f.sport, tcpFlags: flags, seq, ack, window: 1024 + Math.floor(rng() * 64000), payload: data });
        f.peerNext = (seq + data.length + (flags & 0x03 ? 1 : 0)) >>> 0;
      } else if (f.proto === 17) {
        bytes = build(rng, { ...common, proto: 17, sport: f.dport, dport: f.sport, payload });
      } else if (f.proto === 58 && rng() < 0.5) {
        bytes = build(rng, { ...common, proto: 58, icmpType: 129, icmpId: f.icmpId, icmpSeq: n, payload });
      } else if (f.proto === 50) {
        bytes = build(rng, { ...common, proto: 50, payload: Uint8Array.from({ length: 16 }, (_, i) => (i < 4 ? 2 : n)) });
      } else {
        // An error about what the client sent (port unreachable for UDP and TCP, else address).
        bytes = build(rng, { ...common, proto: 58, icmpType: 1, icmpCode: f.proto === 58 ? 3 : 4, payload: quoted(f.src, f.dst, f.proto === 58 ? 17 : f.proto, f.sport, f.dport) });
      }
      replies.push(frame(bytes, { ethernet: { dst: WAN_MAC_BYTES, src: Uint8Array.of(2, 0, 0, 0, 0, 4) } }));
      if (f.peerNext < 0) f.peerNext = 0;
    }
  }
  // The client again, to the flows that were answered: TCP going on from the answer (ACK, data,
  // FIN, now and then a number off), more UDP, another echo request.
  const followups: Uint8Array[] = [];
  for (const f of flows) {
    if (f.peerNext < 0) continue;
    for (let n = 1 + Math.floor(rng() * 3); n > 0; n--) {
      const common = { src: addr(f.src), dst: addr(f.dst), ttl: 2 + Math.floor(rng() * 254), tos: 0 };
      const payload = Uint8Array.from({ length: rng() < 0.4 ? 0 : 1 + Math.floor(rng() * 100) }, () => Math.floor(rng() * 256));
      let bytes: Uint8Array;
      if (f.proto === 6) {
        const flags = n === 1 && rng() < 0.4 ? pick(rng, [0x11, 0x04, 0x14]) : pick(rng, [0x10, 0x18, 0x18]);
        const off = rng() < 0.1;
        const seq = off ? Math.floor(rng() * 2 ** 32) : f.seq;
        const data = flags & 0x04 ? new Uint8Array(0) : payload;
        bytes = build(rng, { ...common, proto: 6, sport: f.sport, dport: f.dport, tcpFlags: flags, seq, ack: f.peerNext, window: 1024 + Math.floor(rng() * 64000), payload: data });
        if (!off) f.seq = (f.seq + data.length + (flags & 0x01 ? 1 : 0)) >>> 0;
      } else if (f.proto === 17) {
        bytes = build(rng, { ...common, proto: 17, sport: f.sport, dport: f.dport, payload });
      } else if (f.proto === 58) {
        bytes = build(rng, { ...common, proto: 58, icmpType: 128, icmpId: f.icmpId, icmpSeq: 100 + n, payload });
      } else {
        bytes = build(rng, { ...common, proto: 50, payload: Uint8Array.from({ length: 16 }, (_, i) => (i < 4 ? 1 : 200 + n)) });
      }
      followups.push(frame(bytes));
    }
  }
  // The subnet-router anycast addresses of the node's links (2001:db8:10::, 2001:db8:20::), which
  // a forwarding node joins: delivered to it, not forwarded. Echo replies, which its stack takes
  // without a word (no request of its own to match).
  for (let n = Math.floor(rng() * 4); n > 0; n--) {
    const dst = pick(rng, ['2001:db8:10::', '2001:db8:20::']);
    const bytes = build(rng, { src: parseIPv6(pick(rng, sources))!, dst: parseIPv6(dst)!, ttl: 2 + Math.floor(rng() * 250), proto: 58, icmpType: 129, icmpId: Math.floor(rng() * 65536), icmpSeq: n });
    followups.push(frame(bytes));
  }
  return { forward: frames, replies, followups };
}

defineReplaySuite({
  title: 'capture replay (IPv6): tcpreplay into the kernel and natsim replay agree',
  family: 'ipv6',
  file: 'test/kernel/replay6.test.ts',
  report: 'replay6',
  caseId: (seed, variant) => `seed ${seed} case ${variant} (ipv6)`,
  purpose: (variant) => `replay6 ${variant}`,
  debugName: (seed, variant) => `ipv6-${seed}-${variant}`,
  packets: PACKETS,
  timing: TIMING,
  variants: VARIANTS,
  model: MODEL,
  host: HOST,
  // In half the cases the IPv6 minimum MTU towards 2001:db8:30::/48, locked (ip6_forward answers a
  // longer packet with ICMPv6 packet too big) or not (it passes FORWARD and POSTROUTING, and output
  // answers it so); in half, lan0 drops unicast packets in broadcast or multicast frames on receipt.
  // In a third, forwarding off for all but lan0 (force_forwarding), or on lan0 and then off with
  // all's forwarding (which turns every device's force_forwarding off).
  nodeSettings: (rng) => ({
    sysctl: [
      ...(rng() < 0.5 ? ['net.ipv6.conf.lan0.drop_unicast_in_l2_multicast=1'] : []),
      ...pick(rng, [[], [], [], [], ['net.ipv6.conf.all.forwarding=0', 'net.ipv6.conf.lan0.force_forwarding=1'],
        ['net.ipv6.conf.lan0.force_forwarding=1', 'net.ipv6.conf.all.forwarding=0']]),
    ],
    routes: rng() < 0.5 ? [`2001:db8:30::/48 via 2001:db8:20::2 dev wan0 mtu ${rng() < 0.5 ? 'lock ' : ''}1280`] : [],
  }),
  fragments: () => suiteFragments('ipv6', 'replay6.test.ts', usable, TRAFFIC_FRAGMENTS),
  sources: randomSources,
  address: addresses,
  iface,
  capture: randomCapture,
  onNodeCapture: true,
  prepareNode(topo, ex, sources) {
    // The node's stack would answer an echo request to ff02::1 (natsim models no local sockets).
    ex(topo.node, 'sysctl', ['-qw', 'net.ipv6.icmp.echo_ignore_multicast=1']);
    // Permanent neighbour entries for every address the node could send to, so that it never
    // sends a Neighbour Solicitation (ICMPv6, which its OUTPUT and POSTROUTING chains would count):
    // the sink (everything routed), the client and the case's sources (replies, REJECT and ICMPv6
    // errors go back to them on lan0), and the link-local special source.
    ex(topo.node, 'ip', ['-6', 'neigh', 'replace', '2001:db8:20::2', 'lladdr', macOf(topo, 'sink'), 'dev', 'wan0', 'nud', 'permanent']);
    const clientMac = macOf(topo, 'client');
    for (const a of ['2001:db8:10::2', ...sources, 'fe80::1234']) ex(topo.node, 'ip', ['-6', 'neigh', 'replace', a, 'lladdr', clientMac, 'dev', 'lan0', 'nud', 'permanent']);
  },
});
