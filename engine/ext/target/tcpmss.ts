/**
 * `-j TCPMSS` (xt_TCPMSS, libxt_TCPMSS): rewrites the MSS option of TCP SYN packets, either to
 * `--set-mss N` or to the path MTU less the headers (`--clamp-mss-to-pmtu`). Any table. The
 * kernel wants `-p tcp` (not inverted) and a tcp match whose `--tcp-flags` comparison contains
 * SYN and is not inverted (only the comparison is looked at, not the mask: `--tcp-flags NONE SYN`
 * passes); clamping is allowed only from FORWARD, OUTPUT and POSTROUTING. The two options do not
 * exclude each other in iptables: the last one given wins.
 *
 * Packet behaviour (`tcpmss_mangle_packet`): nothing for a non-first fragment; a TCP header that
 * is too short or cut drops the packet. The MSS is N, or for clamping min(MTU of the route out,
 * MTU of the route back to the source) less 40 (IPv4) / 60 (IPv6); natsim's host model has no MTUs,
 * so a device's MTU is taken as 1500 (65536 for loopback), and an MTU at or below that header size
 * drops the packet. An MSS option larger than the new MSS is lowered (never raised) with an
 * incremental TCP checksum update; without one, and when no data follows the header and it has room,
 * an MSS option of min(MSS, 536 for IPv4 / 1220 for IPv6) is inserted before the other options
 * (header, IP length and checksums updated). The kernel does not look at the SYN flag itself (the
 * rule's tcp match does). `pkt.data`, `pkt.length` and the decoded TCP header follow. Then the next
 * rule.
 */
import { CONTINUE, DROP, type HookName, type TargetExtension } from '../types.js';
import { IPPROTO } from '../values.js';
import { needXtUint } from '../xttypes.js';
import type { TcpState } from '../match/tcp.js';
import type { PacketContext } from '../types.js';
import type { Packet } from '../../packet.js';
import { readTransport } from '../../packet.js';
import { lookupRoute, type Host } from '../../host/host.js';
import type { Words } from '../../net/addr.js';
import { adjust16 } from '../../wire/checksum.js';
import { NatsimError, EXIT_OTHER } from '../../errors.js';

/** XT_TCPMSS_CLAMP_PMTU: the stored MSS meaning "clamp to the path MTU". */
export const TCPMSS_CLAMP_PMTU = 0xffff;

/** Hooks from which --clamp-mss-to-pmtu may be reached. */
const CLAMP_HOOKS: readonly HookName[] = ['FORWARD', 'OUTPUT', 'POSTROUTING'];

/** TCP SYN flag bit. */
const TCP_SYN = 0x02;

/** Parsed options: the kernel's `xt_tcpmss_info` (null until an option is given). */
export interface TcpmssState { mss: number | null }

/** Device MTU natsim assumes (its host model records none): 65536 for loopback, else 1500. */
function deviceMtu(host: Host, dev: string | null): number {
  if (dev === null) return 0xffffffff;
  const ifc = host.interfaces.get(dev);
  return ifc?.linkType === 'loopback' || dev === 'lo' ? 65536 : 1500;
}

/** `dst_mtu` of the route to `addr` (u32 max without a route, as `tcpmss_reverse_mtu`). */
function routeMtu(host: Host, pkt: Packet, addr: Words): number {
  const r = lookupRoute(host, pkt.family, addr);
  if (!r) return 0xffffffff;
  return deviceMtu(host, r.type === 'local' ? 'lo' : r.dev);
}

/** TCP option length as `optlen` reads it (NOP/EOL or a zero length advance by one). */
function optlen(b: Uint8Array, at: number): number {
  return b[at]! <= 1 || b[at + 1] === 0 ? 1 : b[at + 1]!;
}

/** Rewrite or insert the MSS option; 'drop' when the kernel returns -1. */
function mangle(s: TcpmssState, pkt: Packet, ctx: PacketContext): 'drop' | 'ok' {
  if (pkt.fragOffset !== 0) return 'ok';
  const tcphoff = pkt.l4Offset;
  const len = pkt.length - tcphoff;
  if (tcphoff < 0 || len < 20) return 'drop';
  if (pkt.data.length < pkt.length) {
    throw new NatsimError('NOT_IMPLEMENTED', `TCPMSS rewrites the whole segment, but the capture kept only ${pkt.data.length} of its ${pkt.length} bytes; natsim stops rather than guess`, {}, EXIT_OTHER);
  }
  const b = pkt.data;
  const hl = (b[tcphoff + 12]! >>> 4) * 4;
  if (len < hl || hl < 20) return 'drop';
  const minlen = pkt.family === 'ipv4' ? 40 : 60;
  let newmss: number;
  if (s.mss === TCPMSS_CLAMP_PMTU) {
    const outMtu = pkt.outIface !== null ? deviceMtu(ctx.host, pkt.outIface) : routeMtu(ctx.host, pkt, pkt.dst);
    const minMtu = Math.min(outMtu, routeMtu(ctx.host, pkt, pkt.src));
    if (minMtu <= minlen) return 'drop';
    newmss = (minMtu - minlen) & 0xffff;
  } else {
    newmss = s.mss!;
  }
  const csumAt = tcphoff + 16;
  const readCsum = (): number => (b[csumAt]! << 8) | b[csumAt + 1]!;
  const writeCsum = (c: number): void => { b[csumAt] = c >>> 8; b[csumAt + 1] = c & 0xff; };
  for (let i = 20; i <= hl - 4; i += optlen(b, tcphoff + i)) {
    const o = tcphoff + i;
    if (b[o] === 2 && b[o + 1] === 4) {
      const oldmss = (b[o + 2]! << 8) | b[o + 3]!;
      if (oldmss <= newmss) return 'ok';
      b[o + 2] = newmss >>> 8;
      b[o + 3] = newmss & 0xff;
      writeCsum(adjust16(readCsum(), oldmss, newmss));
      readTransport(pkt);
      return 'ok';
    }
  }
  if (len > hl || hl >= 60) return 'ok';
  newmss = Math.min(newmss, pkt.family === 'ipv4' ? 536 : 1220);
  const nb = new Uint8Array(pkt.length + 4);
  nb.set(b.subarray(0, tcphoff + 20), 0);
  nb.set(b.subarray(tcphoff + 20, pkt.length), tcphoff + 24);
  const opt = [2, 4, newmss >>> 8, newmss & 0xff];
  nb.set(opt, tcphoff + 20);
  const rc = (): number => (nb[csumAt]! << 8) | nb[csumAt + 1]!;
  const wc = (c: number): void => { nb[csumAt] = c >>> 8; nb[csumAt + 1] = c & 0xff; };
  // The pseudo-header length, the new option words, then the data offset word.
  wc(adjust16(rc(), len, len + 4));
  wc(adjust16(adjust16(rc(), 0, (opt[0]! << 8) | opt[1]!), 0, (opt[2]! << 8) | opt[3]!));
  const oldWord = (nb[tcphoff + 12]! << 8) | nb[tcphoff + 13]!;
  nb[tcphoff + 12] = (nb[tcphoff + 12]! + 0x10) & 0xff;
  wc(adjust16(rc(), oldWord, (nb[tcphoff + 12]! << 8) | nb[tcphoff + 13]!));
  if (pkt.family === 'ipv4') {
    const oldLen = (nb[2]! << 8) | nb[3]!;
    const newLen = oldLen + 4;
    const c = adjust16((nb[10]! << 8) | nb[11]!, oldLen, newLen);
    nb[2] = newLen >>> 8; nb[3] = newLen & 0xff;
    nb[10] = c >>> 8; nb[11] = c & 0xff;
  } else {
    const newLen = ((nb[4]! << 8) | nb[5]!) + 4;
    nb[4] = newLen >>> 8; nb[5] = newLen & 0xff;
  }
  pkt.data = nb;
  pkt.length += 4;
  pkt.wireLength += 4;
  readTransport(pkt);
  return 'ok';
}

/** The TCPMSS target. */
export const TCPMSS: TargetExtension<TcpmssState> = {
  kind: 'target',
  name: 'TCPMSS',
  options: [
    { name: 'set-mss', args: 1 },
    { name: 'clamp-mss-to-pmtu', args: 0 },
  ],
  proto: IPPROTO.TCP,
  create: () => ({ mss: null }),
  parse(s, opt, [arg], _invert, ctx) {
    // The largest MSS is 65535 less the IP header (20 bytes for IPv4, 40 for IPv6).
    if (opt === 'set-mss') s.mss = needXtUint(ctx, opt, arg!, 0, 0xffff - (ctx.family === 'ipv4' ? 20 : 40));
    else s.mss = TCPMSS_CLAMP_PMTU;
  },
  finalCheck(s, ctx) {
    if (s.mss === null) ctx.fail('at least one parameter is required: --set-mss N or --clamp-mss-to-pmtu');
  },
  check(s, ctx) {
    if (s.mss === TCPMSS_CLAMP_PMTU) {
      const bad = [...ctx.hooks].filter((h) => !CLAMP_HOOKS.includes(h));
      if (bad.length) return `path-MTU clamping only supported in FORWARD, OUTPUT and POSTROUTING hooks (used from ${bad.join(', ')})`;
    }
    const syn = ctx.matches.some((m) => {
      if (m.ext.name !== 'tcp') return false;
      const t = m.state as TcpState;
      return (t.flgCmp & TCP_SYN) !== 0 && !t.inv.flags;
    });
    return syn ? null : 'Only works on TCP SYN packets (the rule needs a tcp match such as --tcp-flags SYN,RST SYN or --syn, not inverted)';
  },
  save: (s) => (s.mss === TCPMSS_CLAMP_PMTU ? ' --clamp-mss-to-pmtu' : ` --set-mss ${s.mss}`),
  /** Lower or insert the MSS option; continue, or drop when the TCP header is unusable. */
  target(s, pkt, _rt, ctx) {
    return mangle(s, pkt, ctx) === 'drop' ? DROP : CONTINUE;
  },
};
