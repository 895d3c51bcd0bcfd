/**
 * The packet part of a kernel log line, as `net/netfilter/nf_log_syslog.c` (Linux 6.12) writes it
 * for LOG (and for NFLOG's text rendering): `IN=… OUT=… [PHYSIN=…] [PHYSOUT=…] [MAC=…] SRC=… …`,
 * every field ending in one space, with the IPv4 (`dump_ipv4_packet`) and IPv6
 * (`dump_ipv6_packet`) layouts, TCP/UDP/ICMP/ICMPv6/AH/ESP details, one level of embedded packet
 * for ICMP errors, `UID=`/`GID=` and `MARK=`.
 *
 * Bytes are read as `skb_header_pointer` does, against `skb->len` (`pkt.length`): a header that
 * does not fit is INCOMPLETE/TRUNCATED exactly where the kernel says so. When a capture cut the
 * bytes shorter than `skb->len` and a header lies in the missing part, natsim cannot know what the
 * kernel would print and stops with NOT_IMPLEMENTED instead of guessing.
 *
 * The link layer (`dump_mac_header`) is printed only when the packet has an input device:
 * `MAC=dst:src:type` from `pkt.link` (14 bytes; with VLAN tags, the inner EtherType, as after the
 * kernel has untagged the frame), all zeros on a loopback device, `MAC= ` on a device without a
 * hardware header (linkType `none`) or when the packet carries no recorded Ethernet header.
 * `--log-macdecode` prints `MACSRC= MACDST= [VPROTO= VID=] MACPROTO=` on Ethernet devices
 * (nothing when no header was recorded) and falls back to `MAC=` elsewhere.
 *
 * Linux 6.12 has no AE flag in the TCP header dump: `RES=` shows the four reserved bits of byte 12
 * shifted left by 2 (`(flag_word & 0x0F000000) >> 22`).
 */
import { NatsimError, EXIT_OTHER } from '../../errors.js';
import type { Host } from '../../host/host.js';
import { formatIPv4 } from '../../net/addr.js';
import type { Packet } from '../../packet.js';
import { formatMac } from '../../wire/ethernet.js';

/** NF_LOG_* flag bits (xt_LOG.h). */
export const NF_LOG = { TCPSEQ: 0x01, TCPOPT: 0x02, IPOPT: 0x04, UID: 0x08, MACDECODE: 0x20 } as const;

/** Byte access bounded by `skb->len`, refusing to guess past a capture's cut. */
class SkbView {
  readonly len: number;
  constructor(readonly pkt: Packet) {
    this.len = pkt.length;
  }

  /** Whether `n` bytes at `off` are inside skb->len (skb_header_pointer succeeds). */
  has(off: number, n: number): boolean {
    if (off < 0 || off + n > this.len) return false;
    if (off + n > this.pkt.data.length) {
      throw new NatsimError('NOT_IMPLEMENTED', `LOG needs bytes ${off}..${off + n - 1} of the packet, which the capture did not keep (it holds ${this.pkt.data.length} of ${this.len} bytes); natsim stops rather than guess`, {}, EXIT_OTHER);
    }
    return true;
  }

  u8(off: number): number { return this.pkt.data[off]!; }
  u16(off: number): number { return (this.pkt.data[off]! << 8) | this.pkt.data[off + 1]!; }
  u32(off: number): number { return ((this.pkt.data[off]! << 24) | (this.pkt.data[off + 1]! << 16) | (this.pkt.data[off + 2]! << 8) | this.pkt.data[off + 3]!) >>> 0; }
  hex(off: number, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += this.pkt.data[off + i]!.toString(16).toUpperCase().padStart(2, '0');
    return s;
  }
}

const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');
const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** `%pI6`: eight groups of four lower-case hex digits, uncompressed. */
function pI6(v: SkbView, off: number): string {
  const g: string[] = [];
  for (let i = 0; i < 8; i++) g.push(hex4(v.u16(off + 2 * i)));
  return g.join(':');
}

/** `nf_log_dump_tcp_header`; true when the caller must stop (INCOMPLETE or OPT TRUNCATED). */
function dumpTcp(m: string[], v: SkbView, fragment: boolean, off: number, flags: number): boolean {
  m.push('PROTO=TCP ');
  if (fragment) return false;
  if (!v.has(off, 20)) {
    m.push(`INCOMPLETE [${v.len - off} bytes] `);
    return true;
  }
  m.push(`SPT=${v.u16(off)} DPT=${v.u16(off + 2)} `);
  if (flags & NF_LOG.TCPSEQ) m.push(`SEQ=${v.u32(off + 4)} ACK=${v.u32(off + 8)} `);
  m.push(`WINDOW=${v.u16(off + 14)} `);
  m.push(`RES=0x${(((v.u8(off + 12) & 0x0f) << 2) & 0xff).toString(16).padStart(2, '0')} `);
  const f = v.u8(off + 13);
  const names: [number, string][] = [[0x80, 'CWR'], [0x40, 'ECE'], [0x20, 'URG'], [0x10, 'ACK'], [0x08, 'PSH'], [0x04, 'RST'], [0x02, 'SYN'], [0x01, 'FIN']];
  for (const [bit, name] of names) if (f & bit) m.push(`${name} `);
  m.push(`URGP=${v.u16(off + 18)} `);
  const doff = (v.u8(off + 12) >>> 4) * 4;
  if ((flags & NF_LOG.TCPOPT) && doff > 20) {
    const optsize = doff - 20;
    if (!v.has(off + 20, optsize)) {
      m.push('OPT (TRUNCATED)');
      return true;
    }
    m.push(`OPT (${v.hex(off + 20, optsize)}) `);
  }
  return false;
}

/** `nf_log_dump_udp_header`; true when the caller must stop. */
function dumpUdp(m: string[], v: SkbView, proto: number, fragment: boolean, off: number): boolean {
  m.push(proto === 17 ? 'PROTO=UDP ' : 'PROTO=UDPLITE ');
  if (fragment) return false;
  if (!v.has(off, 8)) {
    m.push(`INCOMPLETE [${v.len - off} bytes] `);
    return true;
  }
  m.push(`SPT=${v.u16(off)} DPT=${v.u16(off + 2)} LEN=${v.u16(off + 4)} `);
  return false;
}

/** Minimum ICMP message lengths by type (`required_len`). */
const ICMP_REQUIRED_LEN: Record<number, number> = { 0: 4, 3: 28, 4: 28, 5: 28, 8: 4, 11: 28, 12: 28, 13: 20, 14: 20, 17: 12, 18: 12 };

/** `%u` of a user or group id for `UID=`/`GID=`. */
function dumpUid(m: string[], pkt: Packet): void {
  if (pkt.socket) m.push(`UID=${pkt.socket.uid >>> 0} GID=${pkt.socket.gid >>> 0} `);
}

/** `dump_ipv4_packet` at `iphoff` (0 for the packet, else the header an ICMP error quotes). */
function dumpIpv4(m: string[], v: SkbView, flags: number, iphoff: number): void {
  if (!v.has(iphoff, 20)) {
    m.push('TRUNCATED');
    return;
  }
  const ihl = (v.u8(iphoff) & 0x0f) * 4;
  const tos = v.u8(iphoff + 1);
  const frag = v.u16(iphoff + 6);
  const proto = v.u8(iphoff + 9);
  m.push(`SRC=${formatIPv4(v.u32(iphoff + 12))} DST=${formatIPv4(v.u32(iphoff + 16))} `);
  m.push(`LEN=${v.u16(iphoff + 2)} TOS=0x${hex2(tos & 0x1e)} PREC=0x${hex2(tos & 0xe0)} TTL=${v.u8(iphoff + 8)} ID=${v.u16(iphoff + 4)} `);
  if (frag & 0x8000) m.push('CE ');
  if (frag & 0x4000) m.push('DF ');
  if (frag & 0x2000) m.push('MF ');
  const fragoff = frag & 0x1fff;
  if (fragoff) m.push(`FRAG:${fragoff} `);
  if ((flags & NF_LOG.IPOPT) && ihl > 20) {
    const optsize = ihl - 20;
    if (!v.has(iphoff + 20, optsize)) {
      m.push('TRUNCATED');
      return;
    }
    m.push(`OPT (${v.hex(iphoff + 20, optsize)}) `);
  }
  const l4 = iphoff + ihl;
  switch (proto) {
    case 6:
      if (dumpTcp(m, v, fragoff !== 0, l4, flags)) return;
      break;
    case 17: case 136:
      if (dumpUdp(m, v, proto, fragoff !== 0, l4)) return;
      break;
    case 1: {
      m.push('PROTO=ICMP ');
      if (fragoff) break;
      if (!v.has(l4, 8)) {
        m.push(`INCOMPLETE [${v.len - iphoff - ihl} bytes] `);
        break;
      }
      const type = v.u8(l4), code = v.u8(l4 + 1);
      m.push(`TYPE=${type} CODE=${code} `);
      const need = type <= 18 ? ICMP_REQUIRED_LEN[type] ?? 0 : 0;
      if (need && v.len - iphoff - ihl < need) {
        m.push(`INCOMPLETE [${v.len - iphoff - ihl} bytes] `);
        break;
      }
      switch (type) {
        case 0: case 8:
          m.push(`ID=${v.u16(l4 + 4)} SEQ=${v.u16(l4 + 6)} `);
          break;
        case 12:
          m.push(`PARAMETER=${v.u8(l4 + 4)} `);
          break;
        case 5: case 3: case 4: case 11:
          if (type === 5) m.push(`GATEWAY=${formatIPv4(v.u32(l4 + 4))} `);
          if (!iphoff) {
            m.push('[');
            dumpIpv4(m, v, flags, l4 + 8);
            m.push('] ');
          }
          if (type === 3 && code === 4) m.push(`MTU=${v.u16(l4 + 6)} `);
          break;
      }
      break;
    }
    case 51: {
      if (fragoff) break;
      m.push('PROTO=AH ');
      if (!v.has(l4, 12)) {
        m.push(`INCOMPLETE [${v.len - iphoff - ihl} bytes] `);
        break;
      }
      m.push(`SPI=0x${v.u32(l4 + 4).toString(16)} `);
      break;
    }
    case 50: {
      m.push('PROTO=ESP ');
      if (fragoff) break;
      if (!v.has(l4, 8)) {
        m.push(`INCOMPLETE [${v.len - iphoff - ihl} bytes] `);
        break;
      }
      m.push(`SPI=0x${v.u32(l4).toString(16)} `);
      break;
    }
    default:
      m.push(`PROTO=${proto} `);
  }
  if ((flags & NF_LOG.UID) && !iphoff) dumpUid(m, v.pkt);
  if (!iphoff && v.pkt.mark) m.push(`MARK=0x${(v.pkt.mark >>> 0).toString(16)} `);
}

/** Extension headers `nf_ip6_ext_hdr` walks over. */
const IP6_EXT = new Set([0, 43, 44, 50, 51, 59, 60]);

/** `dump_ipv6_packet` at `off`; `recurse` is true for the packet itself. */
function dumpIpv6(m: string[], v: SkbView, flags: number, off: number, recurse: boolean): void {
  if (!v.has(off, 40)) {
    m.push('TRUNCATED');
    return;
  }
  const w0 = v.u32(off);
  m.push(`SRC=${pI6(v, off + 8)} DST=${pI6(v, off + 24)} `);
  m.push(`LEN=${v.u16(off + 4) + 40} TC=${(w0 & 0x0ff00000) >>> 20} HOPLIMIT=${v.u8(off + 7)} FLOWLBL=${w0 & 0xfffff} `);
  let fragment = false;
  let ptr = off + 40;
  let cur = v.u8(off + 6);
  const ipopt = (flags & NF_LOG.IPOPT) !== 0;
  while (cur !== 59 && IP6_EXT.has(cur)) {
    if (!v.has(ptr, 2)) {
      m.push('TRUNCATED');
      return;
    }
    if (ipopt) m.push('OPT ( ');
    let hdrlen = 0;
    switch (cur) {
      case 44: {
        m.push('FRAG:');
        if (!v.has(ptr, 8)) {
          m.push('TRUNCATED ');
          return;
        }
        const fo = v.u16(ptr + 2);
        m.push(`${fo & 0xfff8} `);
        if (fo & 1) m.push('INCOMPLETE ');
        m.push(`ID:${v.u32(ptr + 4).toString(16).padStart(8, '0')} `);
        if (fo & 0xfff8) fragment = true;
        hdrlen = 8;
        break;
      }
      case 60: case 43: case 0:
        if (fragment) {
          if (ipopt) m.push(')');
          return;
        }
        hdrlen = (v.u8(ptr + 1) + 1) * 8;
        break;
      case 51:
        if (ipopt) {
          m.push('AH ');
          if (fragment) {
            m.push(')');
            return;
          }
          if (!v.has(ptr, 12)) {
            m.push(`INCOMPLETE [${v.len - ptr} bytes] )`);
            return;
          }
          m.push(`SPI=0x${v.u32(ptr + 4).toString(16)} `);
        }
        hdrlen = (v.u8(ptr + 1) + 2) * 4;
        break;
      case 50:
        if (ipopt) {
          m.push('ESP ');
          if (fragment) {
            m.push(')');
            return;
          }
          if (!v.has(ptr, 8)) {
            m.push(`INCOMPLETE [${v.len - ptr} bytes] )`);
            return;
          }
          m.push(`SPI=0x${v.u32(ptr).toString(16)} )`);
        }
        return;
    }
    if (ipopt) m.push(') ');
    cur = v.u8(ptr);
    ptr += hdrlen;
  }
  switch (cur) {
    case 6:
      if (dumpTcp(m, v, fragment, ptr, flags)) return;
      break;
    case 17: case 136:
      if (dumpUdp(m, v, cur, fragment, ptr)) return;
      break;
    case 58: {
      m.push('PROTO=ICMPv6 ');
      if (fragment) break;
      if (!v.has(ptr, 8)) {
        m.push(`INCOMPLETE [${v.len - ptr} bytes] `);
        return;
      }
      const type = v.u8(ptr);
      m.push(`TYPE=${type} CODE=${v.u8(ptr + 1)} `);
      switch (type) {
        case 128: case 129:
          m.push(`ID=${v.u16(ptr + 4)} SEQ=${v.u16(ptr + 6)} `);
          break;
        case 130: case 131: case 132:
          break;
        case 4: case 1: case 2: case 3:
          if (type === 4) m.push(`POINTER=${v.u32(ptr + 4).toString(16).padStart(8, '0')} `);
          if (recurse) {
            m.push('[');
            dumpIpv6(m, v, flags, ptr + 8, false);
            m.push('] ');
          }
          if (type === 2) m.push(`MTU=${v.u32(ptr + 4)} `);
          break;
      }
      break;
    }
    default:
      m.push(`PROTO=${cur} `);
  }
  if ((flags & NF_LOG.UID) && recurse) dumpUid(m, v.pkt);
  if (recurse && v.pkt.mark) m.push(`MARK=0x${(v.pkt.mark >>> 0).toString(16)} `);
}

/** `dump_mac_header` for the packet's input device. */
function dumpMac(m: string[], pkt: Packet, host: Host, flags: number): void {
  const ifc = host.interfaces.get(pkt.inIface!);
  const linkType = ifc?.linkType ?? 'ether';
  const link = pkt.link;
  const proto = pkt.family === 'ipv4' ? 0x0800 : 0x86dd;
  if ((flags & NF_LOG.MACDECODE) && linkType === 'ether') {
    if (!link) return;
    m.push(`MACSRC=${formatMac(link.src)} MACDST=${formatMac(link.dst)} `);
    const tag = link.vlans[0];
    if (tag) m.push(`VPROTO=${hex4(tag.tpid)} VID=${tag.vid} `);
    m.push(`MACPROTO=${hex4(link.ethertype)} `);
    return;
  }
  m.push('MAC=');
  if (linkType === 'loopback') {
    m.push(`00:00:00:00:00:00:00:00:00:00:00:00:${hex4(proto).slice(0, 2)}:${hex4(proto).slice(2)}`);
  } else if (linkType !== 'none' && link) {
    const t = hex4(link.ethertype);
    m.push(`${formatMac(link.dst)}:${formatMac(link.src)}:${t.slice(0, 2)}:${t.slice(2)}`);
  }
  m.push(' ');
}

/**
 * The text of a kernel log line for `pkt` (without the syslog level): `prefix`, `IN=`/`OUT=`,
 * bridge ports, the MAC part when there is an input device, then the packet (`flags` are the
 * NF_LOG_* bits).
 */
export function formatLogLine(prefix: string, pkt: Packet, host: Host, flags: number): string {
  const m: string[] = [`${prefix}IN=${pkt.inIface ?? ''} OUT=${pkt.outIface ?? ''} `];
  if (pkt.physIn && pkt.physIn !== pkt.inIface) m.push(`PHYSIN=${pkt.physIn} `);
  if (pkt.physOut && pkt.physOut !== pkt.outIface) m.push(`PHYSOUT=${pkt.physOut} `);
  if (pkt.inIface) dumpMac(m, pkt, host, flags);
  const v = new SkbView(pkt);
  if (pkt.family === 'ipv4') dumpIpv4(m, v, flags, 0);
  else dumpIpv6(m, v, flags, 0, true);
  return m.join('');
}
