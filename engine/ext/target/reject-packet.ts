/**
 * What REJECT sends, built as the kernel builds it (Linux 6.12):
 *
 * - IPv4 ICMP errors: `nf_send_unreach` → `__icmp_send` (net/ipv4/icmp.c): nothing for non-first
 *   fragments, a bad transport checksum, a broadcast/multicast destination or link-layer
 *   destination, or an ICMP error (or unknown ICMP type); source = the original destination if it
 *   is local, else the source the route back chooses; TOS = (tos & 0x1E) | 0xC0; TTL 64; no DF; a
 *   fresh IP id; the original datagram quoted up to 576 bytes in all.
 * - IPv6 ICMPv6 errors: `nf_send_unreach6` → `icmp6_send` (net/ipv6/icmp.c): the same rules with
 *   IPv6's (no error to :: or multicast sources, to multicast destinations, or to ICMPv6 errors;
 *   1280 bytes in all; an automatic flow label, hop limit 64).
 * - TCP resets: `nf_send_reset` / `nf_send_reset6` (nf_reject_ipv4.c / nf_reject_ipv6.c): nothing
 *   for fragments, a bad checksum, a RST, or a broadcast/multicast (IPv4) / non-unicast (IPv6: ::,
 *   multicast or IPv4-mapped) address; addresses and ports swapped, 20-byte header, window 0, `seq = ack_seq` when ACK was
 *   set, else `ack_seq = seq + SYN + FIN + payload` with ACK; IPv4 DF, id 0, TTL 64; the
 *   connection is set to CLOSE (`nf_ct_set_closing`, 10 s).
 * - ICMP rate limits: the namespace-wide token bucket (`icmp_global_allow`, 1000/s, burst 50, with
 *   the random 0..2 credit consumption) and the per-destination bucket (`inet_peer_xrlim_allow`,
 *   `net.ipv4.icmp_ratelimit` 1 s and `net.ipv6.icmp.ratelimit` 100 ms per message, burst 6 —
 *   measured on Linux 6.18.44, which has upstream 0201eedb69b2: before it IPv6 had 1 s, shorter
 *   for wider route prefixes), both skipped for loopback, on a virtual jiffies clock with
 *   CONFIG_HZ=250.
 *
 * Assumptions where natsim has no model: the checksum state (`ip_summed`) is taken as "to verify"
 * for packets that arrived on a non-loopback device and "already good" for packets the node sends
 * (OUTPUT, or back in on lo); MTUs are 1500 (65536 on loopback); the sysctls keep their defaults;
 * IPv6 source selection is RFC 6724 reduced to same address, scope, outgoing device and longest
 * prefix. An IPv4 packet whose options the kernel echoes (record route, timestamp, source route,
 * CIPSO) stops with NOT_IMPLEMENTED.
 */
import { NatsimError, EXIT_OTHER } from '../../errors.js';
import { CTINFO, IPS, isConfirmed } from '../../conntrack/entry.js';
import type { TcpState } from '../../conntrack/tcp.js';
import { addrType, interfaceMtu, lookupRoute, masqueradeSource, subnetRouterAnycast6, type Host } from '../../host/host.js';
import { isLinkLocal6, isMulticast6, isZero, parseIPv4Strict, wordsEqual, type Words } from '../../net/addr.js';
import { PKT_TYPE, type Packet } from '../../packet.js';
import { finish, pseudoHeaderSum, sumBytes } from '../../wire/checksum.js';
import { emitIpv4, writeU32 } from '../../wire/ipv4.js';
import { emitIpv6 } from '../../wire/ipv6.js';
import { fillL4Checksum } from '../../wire/transport.js';
import type { PacketContext } from '../types.js';

/** CONFIG_HZ of the kernel natsim follows. */
export const HZ = 250;

/** Virtual jiffies at `ms`. */
export function jiffies(ms: number): number {
  return Math.floor(ms / (1000 / HZ));
}

/** A destination's `inet_peer`: the rate-limit tokens and stamp ICMP errors, `ip_error` and redirects share, and the redirects sent. */
interface Peer {
  tokens: number;
  last: number;
  redirects: number;
}

/** Rate-limit state of a namespace: the global ICMP credit and the per-destination peers. */
export interface IcmpRateState {
  credit: number;
  /** Jiffies of the last refill; null before the first (the kernel's stamp is far in the past). */
  stamp: number | null;
  peers: Map<string, Peer>;
}

/** The peer of `key`, made as `inet_getpeer` makes one (no tokens, stamped a minute ago). */
function peerOf(st: IcmpRateState, key: string, now: number): Peer {
  let p = st.peers.get(key);
  if (!p) {
    p = { tokens: 0, last: now - 60 * HZ, redirects: 0 };
    st.peers.set(key, p);
  }
  return p;
}

/** The namespace's rate-limit state (shared by IPv4 and IPv6, as `net->ipv4.icmp_global_credit` is). */
export function icmpRateState(ctx: PacketContext): IcmpRateState {
  return ctx.shared<IcmpRateState>('icmp-ratelimit', () => ({ credit: 0, stamp: null, peers: new Map() }));
}

/** `icmp_global_allow` (icmp_msgs_per_sec 1000, icmp_msgs_burst 50). */
function globalAllow(st: IcmpRateState, now: number): boolean {
  if (st.credit > 0) return true;
  const delta = st.stamp === null ? HZ : Math.min(now - st.stamp, HZ);
  if (delta < HZ / 50) return false;
  const incr = Math.floor((1000 * delta) / HZ);
  if (!incr) return false;
  st.stamp = now;
  st.credit = Math.min(st.credit + incr, 50);
  return true;
}

/** `icmp_global_consume`: 0, 1 or 2 credits at random. */
function globalConsume(st: IcmpRateState, ctx: PacketContext): void {
  st.credit -= Math.floor((ctx.random32() * 3) / 0x100000000);
}

/** `inet_peer_xrlim_allow` for the peer `key` with `timeout` jiffies per message (burst 6). */
function peerAllow(st: IcmpRateState, key: string, now: number, timeout: number): boolean {
  const p = peerOf(st, key, now);
  let token = p.tokens;
  // The cap applies only when time has passed (a stamp already current leaves the tokens as they are).
  if (now !== p.last) {
    token += now - p.last;
    p.last = now;
    if (token > 6 * timeout) token = 6 * timeout;
  }
  let rc = false;
  if (token >= timeout) {
    token -= timeout;
    rc = true;
  }
  p.tokens = token;
  return rc;
}

/**
 * `ip_error`'s own limit on the "unreachable" errors the routing decision sends one source
 * (net/ipv4/route.c): the source's inet_peer tokens — the same ones `icmp_send` spends next
 * (`inet_peer_xrlim_allow`) — refilled by the jiffies passed up to `ip_rt_error_burst` (5 s) and
 * spent `ip_rt_error_cost` (1 s) a message.
 */
export function ipErrorAllow(ctx: PacketContext, src: Words): boolean {
  const now = jiffies(ctx.now);
  const p = peerOf(icmpRateState(ctx), `4:${src[0]}`, now);
  p.tokens += now - p.last;
  if (p.tokens > 5 * HZ) p.tokens = 5 * HZ;
  p.last = now;
  if (p.tokens < HZ) return false;
  p.tokens -= HZ;
  return true;
}

/**
 * `ip_rt_send_redirect`'s limit on the redirects sent to one source (net/ipv4/route.c): after
 * `ip_rt_redirect_silence` (≈ 20 s) without one the count starts over (and the peer's ICMP tokens
 * with it); the first goes at once, each next one only after `ip_rt_redirect_load << sent` jiffies,
 * at most `ip_rt_redirect_number` (9) until a silence. Counts the redirect as sent when allowed.
 */
export function redirectAllow(ctx: PacketContext, src: Words): boolean {
  const now = jiffies(ctx.now);
  const p = peerOf(icmpRateState(ctx), `4:${src[0]}`, now);
  const load = HZ / 50;
  if (now > p.last + (load << 10)) {
    p.tokens = 0;
    p.redirects = 0;
  }
  if (p.redirects >= 9) {
    p.last = now;
    return false;
  }
  if (p.redirects === 0 || now > p.last + (load << p.redirects)) {
    p.last = now;
    p.redirects++;
    return true;
  }
  return false;
}

/** Whether the kernel would have the checksum already verified or still partial (nothing to check). */
function csumUnnecessary(pkt: Packet, ctx: PacketContext): boolean {
  return ctx.hook === 'OUTPUT' || pkt.inIface === 'lo' || ctx.checksumsOffloaded === true;
}

function needBytes(pkt: Packet, what: string): void {
  if (pkt.data.length < pkt.length) {
    throw new NatsimError('NOT_IMPLEMENTED', `REJECT ${what} needs the whole datagram, but the capture kept only ${pkt.data.length} of its ${pkt.length} bytes; natsim stops rather than guess`, {}, EXIT_OTHER);
  }
}

/** `nf_reject_verify_csum`: whether the protocol's checksum covers the payload and must be checked. */
function verifyCsum(pkt: Packet, proto: number, thoff: number): boolean {
  switch (proto) {
    case 17:
      if (pkt.length - thoff < 8) return true;
      return pkt.data[thoff + 6] !== 0 || pkt.data[thoff + 7] !== 0;
    case 47: case 51: case 50: case 132: case 136: case 33:
      return false;
  }
  return true;
}

/** `nf_ip_checksum` with CHECKSUM_NONE: the whole datagram (the valid IP header sums to zero). */
function ipv4ChecksumOk(pkt: Packet, proto: number, ihl: number): boolean {
  needBytes(pkt, 'checks the transport checksum and');
  let acc = proto === 6 || proto === 17 ? pseudoHeaderSum('ipv4', pkt.src, pkt.dst, proto, pkt.length - ihl) : 0;
  acc = sumBytes(pkt.data, 0, pkt.length, acc);
  return finish(acc) === 0;
}

/** `nf_ip6_checksum` with CHECKSUM_NONE over the transport part. */
function ipv6ChecksumOk(pkt: Packet, proto: number, thoff: number): boolean {
  needBytes(pkt, 'checks the transport checksum and');
  const acc = sumBytes(pkt.data, thoff, pkt.length, pseudoHeaderSum('ipv6', pkt.src, pkt.dst, proto, pkt.length - thoff));
  return finish(acc) === 0;
}

/** Whether the route type lets a packet out (`ip_route_output` errors for the others). */
function usable(t: string): boolean {
  return t === 'unicast' || t === 'local' || t === 'broadcast' || t === 'multicast' || t === 'anycast';
}

const INADDR_DUMMY = parseIPv4Strict('192.0.0.8')!;

/** IPv4 options `__ip_options_echo` copies into the reply: RR, TS, LSRR, SSRR, CIPSO. */
function hasEchoedOption(b: Uint8Array, ihl: number): boolean {
  for (let i = 20; i < ihl;) {
    const t = b[i]!;
    if (t === 0) break;
    if (t === 1) { i++; continue; }
    if ([7, 68, 131, 137, 134].includes(t)) return true;
    const l = b[i + 1] ?? 0;
    if (l < 2) break;
    i += l;
  }
  return false;
}

/** An ICMP destination-unreachable for the IPv4 packet (`nf_send_unreach` + `__icmp_send`), or null. */
export function icmp4Unreach(pkt: Packet, code: number, ctx: PacketContext): Uint8Array | null {
  return icmp4Error(pkt, 3, code, ctx, true);
}

/**
 * The ICMP error `__icmp_send` makes for the IPv4 packet, or null when it sends none. REJECT
 * (`nf_send_unreach`) checks the transport checksum first (`checkSum`); the stack's own errors
 * (ip_forward's "time exceeded") do not.
 */
export function icmp4Error(pkt: Packet, type: number, code: number, ctx: PacketContext, checkSum: boolean, info = 0): Uint8Array | null {
  const b = pkt.data;
  const ihl = (b[0]! & 0x0f) * 4;
  if (pkt.fragOffset !== 0) return null;
  const proto = pkt.proto;
  if (checkSum && !csumUnnecessary(pkt, ctx) && verifyCsum(pkt, proto, ihl) && !ipv4ChecksumOk(pkt, proto, ihl)) return null;
  // No replies to physical multicast/broadcast (`skb->pkt_type != PACKET_HOST`).
  if (pkt.inIface !== null && pkt.pktType !== PKT_TYPE.HOST) return null;
  const dt = addrType(ctx.host, 'ipv4', pkt.dst);
  if (dt === 'BROADCAST' || dt === 'MULTICAST') return null;
  if (proto === 1) {
    if (pkt.length < ihl + 1) return null;
    needBytes(pkt, 'reads the ICMP type and');
    const t = b[ihl]!;
    if (t > 18 || [3, 4, 5, 11, 12].includes(t)) return null;
  }
  const st = icmpRateState(ctx);
  const now = jiffies(ctx.now);
  const inDev = pkt.inIface === null ? null : ctx.host.interfaces.get(pkt.inIface);
  const inLoop = pkt.inIface === 'lo' || inDev?.linkType === 'loopback';
  let applyRatelimit = false;
  // Types 3, 4, 11 and 12 are in icmp_ratemask (0x1818); "fragmentation needed" is never limited.
  if (!inLoop && ((1 << type) & 0x1818) !== 0 && !(type === 3 && code === 4)) {
    if (!globalAllow(st, now)) return null;
    applyRatelimit = true;
  }
  if (hasEchoedOption(b, ihl)) {
    throw new NatsimError('NOT_IMPLEMENTED', 'REJECT of an IPv4 packet with record-route, timestamp, source-route or CIPSO options: the kernel echoes them in the ICMP error, which natsim does not model', {}, EXIT_OTHER);
  }
  const local = lookupRoute(ctx.host, 'ipv4', pkt.dst)?.type === 'local';
  const back = lookupRoute(ctx.host, 'ipv4', pkt.src);
  if (!back || !usable(back.type)) return null;
  const backDev = back.type === 'local' ? 'lo' : back.dev;
  let saddr: Words | null = local ? pkt.dst : null;
  if (!saddr) {
    if (back.type === 'local') saddr = pkt.src;
    else saddr = back.prefsrc ?? masqueradeSource(ctx.host, 'ipv4', backDev ?? '', back.gateway ?? pkt.src);
  }
  if (applyRatelimit) {
    const loop = backDev === 'lo' || ctx.host.interfaces.get(backDev ?? '')?.linkType === 'loopback';
    if (!loop && !peerAllow(st, `4:${pkt.src[0]}`, now, HZ)) return null;
    globalConsume(st, ctx);
  }
  const room = Math.min(interfaceMtu(ctx.host, backDev), 576) - 20 - 8;
  if (room <= 20) return null;
  needBytes(pkt, 'quotes the datagram and');
  const dataLen = Math.min(pkt.length, room);
  const out = new Uint8Array(28 + dataLen);
  emitIpv4({
    headerLength: 20, tos: (pkt.tos & 0x1e) | 0xc0, totalLength: out.length, id: ctx.random32() & 0xffff,
    reserved: false, df: false, mf: false, fragOffset: 0, ttl: 64, protocol: 1, checksum: 0,
    src: (saddr ?? [INADDR_DUMMY])[0]!, dst: pkt.src[0]!, options: new Uint8Array(0),
  }, out, 0, true);
  out[20] = type;
  out[21] = code;
  writeU32(out, 24, info);
  out.set(b.subarray(0, dataLen), 28);
  fillL4Checksum('ipv4', 1, [0], [0], out, 20, out.length);
  return out;
}

/** Bytes of a 20-byte TCP RST answering the TCP header at `b[th]` whose segment is `tcpLen` long. */
function rstSegment(b: Uint8Array, th: number, tcpLen: number): Uint8Array {
  const t = new Uint8Array(20);
  t[0] = b[th + 2]!; t[1] = b[th + 3]!; t[2] = b[th]!; t[3] = b[th + 1]!;
  const flags = b[th + 13]!;
  const doff = (b[th + 12]! >>> 4) * 4;
  if (flags & 0x10) {
    t.set(b.subarray(th + 8, th + 12), 4);
    t[13] = 0x04;
  } else {
    const seq = ((b[th + 4]! << 24) | (b[th + 5]! << 16) | (b[th + 6]! << 8) | b[th + 7]!) >>> 0;
    writeU32(t, 8, (seq + ((flags & 0x02) ? 1 : 0) + (flags & 0x01) + tcpLen - doff) >>> 0);
    t[13] = 0x14;
  }
  t[12] = 0x50;
  return t;
}

/** `nf_ct_set_closing`: a confirmed TCP connection goes to CLOSE with the CLOSE timeout (10 s). */
export function setClosing(pkt: Packet, now: number): void {
  const ct = pkt.ct;
  if (!ct || ct.proto.kind !== 'tcp' || !isConfirmed(ct)) return;
  const tcp = ct.proto as TcpState;
  const old = tcp.state;
  tcp.state = 8;
  if (old === 8 || (ct.status & IPS.FIXED_TIMEOUT)) return;
  ct.timeout = now + 10_000;
}

/** The TCP RST for the IPv4 packet (`nf_send_reset`), or null. */
export function tcpReset4(pkt: Packet, ctx: PacketContext): Uint8Array | null {
  const b = pkt.data;
  const ihl = (b[0]! & 0x0f) * 4;
  if (pkt.fragOffset !== 0 || pkt.proto !== 6 || pkt.length - ihl < 20) return null;
  needBytes(pkt, 'answers with a reset and');
  if (b[ihl + 13]! & 0x04) return null;
  if (!csumUnnecessary(pkt, ctx) && !ipv4ChecksumOk(pkt, 6, ihl)) return null;
  const dt = addrType(ctx.host, 'ipv4', pkt.dst);
  if (dt === 'BROADCAST' || dt === 'MULTICAST') return null;
  const back = lookupRoute(ctx.host, 'ipv4', pkt.src);
  if (!back || !usable(back.type)) return null;
  const out = new Uint8Array(40);
  emitIpv4({
    headerLength: 20, tos: 0, totalLength: 40, id: 0, reserved: false, df: true, mf: false, fragOffset: 0,
    ttl: 64, protocol: 6, checksum: 0, src: pkt.dst[0]!, dst: pkt.src[0]!, options: new Uint8Array(0),
  }, out, 0, true);
  out.set(rstSegment(b, ihl, pkt.length - ihl), 20);
  fillL4Checksum('ipv4', 6, pkt.dst, pkt.src, out, 20, 40);
  setClosing(pkt, ctx.now);
  return out;
}

/** IPv6 address scope for source selection: 0x01 interface/loopback, 0x02 link, 0x0e global. */
function scope6(a: Words): number {
  const w0 = a[0]!;
  if (w0 >>> 24 === 0xff) return (w0 >>> 16) & 0x0f;
  if ((w0 & 0xffc00000) >>> 0 === 0xfe800000) return 0x02;
  if (w0 === 0 && a[1] === 0 && a[2] === 0 && a[3] === 1) return 0x01;
  return 0x0e;
}

function commonPrefix(a: Words, b: Words): number {
  let n = 0;
  for (let i = 0; i < 4; i++) {
    const x = (a[i]! ^ b[i]!) >>> 0;
    if (x === 0) { n += 32; continue; }
    return n + Math.clz32(x);
  }
  return n;
}

function lexGreater(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return false;
}

/** Source address choice for an IPv6 destination out of `dev` (RFC 6724 rules 1, 2, 5, 8). */
function selectSource6(host: Host, dev: string | null, dst: Words): Words | null {
  const ds = scope6(dst);
  let best: { addr: Words; key: number[] } | null = null;
  for (const ifc of host.interfaces.values()) {
    for (const a of ifc.addrs) {
      if (a.family !== 'ipv6') continue;
      const s = scope6(a.addr);
      const same = a.addr.every((w, i) => w === dst[i]) ? 1 : 0;
      const scopeRank = s === ds ? 2 : s > ds ? 1 : 0;
      const key = [same, scopeRank, ifc.name === dev ? 1 : 0, commonPrefix(a.addr, dst)];
      if (!best || lexGreater(key, best.key)) best = { addr: a.addr, key };
    }
  }
  return best?.addr ?? null;
}


/** An ICMPv6 destination-unreachable for the IPv6 packet (`nf_send_unreach6` + `icmp6_send`), or null. */
export function icmp6Unreach(pkt: Packet, code: number, ctx: PacketContext): Uint8Array | null {
  return icmp6Error(pkt, 1, code, ctx, true);
}

/**
 * The ICMPv6 error `icmp6_send` makes for the IPv6 packet (an error type: below 128), or null.
 * REJECT (`nf_send_unreach6`) checks the transport checksum first (`checkSum`); the stack's own
 * errors (ip6_forward's "hop limit exceeded") do not. `info`: the 32 bits after the checksum
 * (packet too big's MTU).
 */
export function icmp6Error(pkt: Packet, type: number, code: number, ctx: PacketContext, checkSum: boolean, info = 0): Uint8Array | null {
  const b = pkt.data;
  const thoff = pkt.proto === 59 ? -1 : pkt.l4Offset;
  if (checkSum && !csumUnnecessary(pkt, ctx)) {
    if (thoff < 0 || thoff >= pkt.length || pkt.fragOffset !== 0) return null;
    if (verifyCsum(pkt, pkt.proto, thoff) && !ipv6ChecksumOk(pkt, pkt.proto, thoff)) return null;
  }
  const loopDev = ctx.hook === 'OUTPUT' || pkt.inIface === 'lo' || ctx.host.interfaces.get(pkt.inIface ?? '')?.linkType === 'loopback';
  const local = addrType(ctx.host, 'ipv6', pkt.dst) === 'LOCAL';
  // icmp6_send answers from the packet's destination when it is the node's own address or an
  // anycast address it has joined (ipv6_chk_acast_addr_src: a global one on any device) — a
  // forwarding node's subnet-router anycast addresses.
  const toAnycast = !local && subnetRouterAnycast6(ctx.host).some((p) => wordsEqual(p, pkt.dst));
  // To a multicast address or from a link-layer broadcast or multicast frame, only packet too big.
  if ((isMulticast6(pkt.dst) || (pkt.inIface !== null && pkt.pktType !== PKT_TYPE.HOST)) && type !== 2) return null;
  if (isZero(pkt.src) || isMulticast6(pkt.src)) return null;
  if (pkt.proto === 58 && pkt.fragOffset === 0 && thoff >= 0) {
    if (pkt.length - thoff >= 1) {
      needBytes(pkt, 'reads the ICMPv6 type and');
      if (!(b[thoff]! & 0x80)) return null;
    } else if (!pkt.moreFragments) {
      return null;
    }
  }
  const st = icmpRateState(ctx);
  const now = jiffies(ctx.now);
  let applyRatelimit = false;
  // icmpv6_ratemask holds every error type but packet-too-big (2).
  if (!loopDev && type !== 2) {
    if (!globalAllow(st, now)) return null;
    applyRatelimit = true;
  }
  // An error to a link-local source goes out of the device the packet came in by
  // (`icmp6_iif`: the lookup keeps to it), or nowhere when no route there reaches the source.
  const back = isLinkLocal6(pkt.src) && pkt.inIface !== null && pkt.inIface !== 'lo'
    ? lookupRoute(ctx.host, 'ipv6', pkt.src, pkt.inIface)
    : lookupRoute(ctx.host, 'ipv6', pkt.src);
  if (!back || !usable(back.type)) return null;
  const backDev = back.type === 'local' ? 'lo' : back.dev;
  let saddr: Words | null = local || toAnycast ? pkt.dst : back.prefsrc;
  if (!saddr) saddr = back.type === 'local' ? pkt.src : selectSource6(ctx.host, pkt.inIface ?? backDev, pkt.src);
  if (!saddr) return null;
  if (applyRatelimit) {
    const loop = backDev === 'lo' || ctx.host.interfaces.get(backDev ?? '')?.linkType === 'loopback';
    if (!loop) {
      // net.ipv6.icmp.ratelimit: 100 ms per message since Linux 6.19 and 6.18.y (upstream
      // 0201eedb69b2, which also ended the shorter interval for wider route prefixes).
      const tmo = HZ / 10;
      if (!peerAllow(st, `6:${pkt.src.join(':')}`, now, tmo)) return null;
    }
    globalConsume(st, ctx);
  }
  needBytes(pkt, 'quotes the datagram and');
  const dataLen = Math.min(pkt.length, 1280 - 40 - 8);
  const out = new Uint8Array(48 + dataLen);
  emitIpv6({ trafficClass: 0, flowLabel: ctx.random32() & 0xfffff, payloadLength: 8 + dataLen, nextHeader: 58, hopLimit: 64, src: saddr, dst: pkt.src }, out, 0);
  out[40] = type;
  out[41] = code;
  writeU32(out, 44, info);
  out.set(b.subarray(0, dataLen), 48);
  fillL4Checksum('ipv6', 58, saddr, pkt.src, out, 40, out.length);
  return out;
}

/** Whether `ipv6_addr_type` says IPV6_ADDR_UNICAST: anything but ::, a multicast address or an IPv4-mapped one. */
function unicast6(a: Words): boolean {
  return !isZero(a) && !isMulticast6(a) && !(a[0] === 0 && a[1] === 0 && a[2] === 0xffff);
}

/** The TCP RST for the IPv6 packet (`nf_send_reset6`), or null. */
export function tcpReset6(pkt: Packet, ctx: PacketContext): Uint8Array | null {
  // nf_send_reset6: both addresses unicast by ipv6_addr_type — not ::, not multicast, and not an
  // IPv4-mapped ::ffff:a.b.c.d (typed MAPPED, without UNICAST).
  if (!unicast6(pkt.src) || !unicast6(pkt.dst)) return null;
  const th = pkt.l4Offset;
  if (pkt.fragOffset !== 0 || pkt.proto !== 6 || th < 0 || pkt.length - th < 20) return null;
  needBytes(pkt, 'answers with a reset and');
  const b = pkt.data;
  if (b[th + 13]! & 0x04) return null;
  if (!csumUnnecessary(pkt, ctx) && !ipv6ChecksumOk(pkt, 6, th)) return null;
  const back = lookupRoute(ctx.host, 'ipv6', pkt.src);
  if (!back || !usable(back.type)) return null;
  const out = new Uint8Array(60);
  emitIpv6({ trafficClass: 0, flowLabel: 0, payloadLength: 20, nextHeader: 6, hopLimit: 64, src: pkt.dst, dst: pkt.src }, out, 0);
  out.set(rstSegment(b, th, pkt.length - th), 40);
  fillL4Checksum('ipv6', 6, pkt.dst, pkt.src, out, 40, 60);
  setClosing(pkt, ctx.now);
  return out;
}

/**
 * What `nf_ct_attach` gives a packet the node sends about another (REJECT's reset or ICMP error,
 * ip_forward's time exceeded): the original conntrack, RELATED_REPLY when the packet it answers
 * went in the original direction, else RELATED — so an error about a new connection, whose entry
 * is not confirmed yet, is RELATED (Linux 6.18, measured). Null when the original has no
 * conntrack: without one nothing is attached; for an untracked original the kernel attaches
 * "RELATED, no conntrack", which OUTPUT's conntrack treats as nothing attached and tracks the
 * packet afresh (an ICMP error about an untracked connection ends INVALID there, as measured).
 */
export function attachedConntrack(pkt: Packet): { ct: Packet['ct']; ctinfo: number } | null {
  if (pkt.ct === null) return null;
  const dirOriginal = pkt.ctinfo >= 0 && pkt.ctinfo < 3;
  return { ct: pkt.ct, ctinfo: dirOriginal ? CTINFO.RELATED_REPLY : CTINFO.RELATED };
}

/** REJECT's commit-time check (`reject_tg_check`): `tcp-reset` needs `-p tcp`, not inverted. */
export function rejectTcpResetCheck(withType: string, header: { proto: number; protoInv: boolean }): string | null {
  if (withType === 'tcp-reset' && (header.proto !== 6 || header.protoInv)) {
    return 'REJECT --reject-with tcp-reset needs -p tcp (not inverted) in the same rule';
  }
  return null;
}
