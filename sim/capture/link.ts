/**
 * Link layers of captured frames: from a record's bytes to the IP datagram it carries and the
 * header it came with. Ethernet (with 802.1Q/802.1ad tags), raw IP (101, 228, 229, and the BSD
 * DLT values 12 and 14), Linux cooked capture v1 (SLL, 113) and v2 (SLL2, 276), BSD loopback
 * (NULL 0 in the capturing host's byte order, LOOP 108 in network order). A frame that carries
 * something other than IP (ARP, LLDP…) is not an error: it comes back with a reason to count.
 *
 * The datagram is trimmed to the IP header's own length, as the kernel's `ip_rcv` trims an skb
 * (Ethernet padding and a trailing FCS go); a frame cut short by the snap length is flagged.
 * `decodeLinkInto` fills a reusable slot without allocating (the fast path); `decodeLink` returns
 * a record. `encapsulate` goes the other way, for writing.
 */
import type { Family } from '../../engine/net/addr.js';
import { emitEthernet, ETHERTYPE, parseEthernet, type EthernetHeader, type VlanTag } from '../../engine/wire/ethernet.js';

/** Link-layer header types (LINKTYPE_* of the pcap and pcapng formats) natsim reads. */
export const LINKTYPE = {
  NULL: 0, ETHERNET: 1, RAW_BSD: 12, RAW_OPENBSD: 14, RAW: 101, LOOP: 108, LINUX_SLL: 113, IPV4: 228, IPV6: 229, LINUX_SLL2: 276,
} as const;

const SUPPORTED = new Set<number>(Object.values(LINKTYPE));

/** The supported link types, for messages. */
export const SUPPORTED_LINK_TYPES_TEXT = '0 (NULL), 1 (EN10MB), 12/14/101 (RAW), 108 (LOOP), 113 (LINUX_SLL), 228 (IPV4), 229 (IPV6) and 276 (LINUX_SLL2)';

const NAMES = new Map<number, string>([
  [0, 'NULL'], [1, 'EN10MB'], [3, 'AX25'], [6, 'IEEE802_5'], [7, 'ARCNET_BSD'], [8, 'SLIP'], [9, 'PPP'], [10, 'FDDI'], [12, 'RAW'], [14, 'RAW'],
  [50, 'PPP_HDLC'], [51, 'PPP_ETHER'], [100, 'ATM_RFC1483'], [101, 'RAW'], [104, 'C_HDLC'], [105, 'IEEE802_11'], [107, 'FRELAY'], [108, 'LOOP'],
  [113, 'LINUX_SLL'], [114, 'LTALK'], [117, 'PFLOG'], [119, 'IEEE802_11_PRISM'], [122, 'IP_OVER_FC'], [127, 'IEEE802_11_RADIOTAP'],
  [138, 'APPLE_IP_OVER_IEEE1394'], [143, 'DOCSIS'], [147, 'USER0'], [163, 'IEEE802_11_AVS'], [187, 'BLUETOOTH_HCI_H4'], [189, 'USB_LINUX'],
  [192, 'PPI'], [195, 'IEEE802_15_4_WITHFCS'], [201, 'BLUETOOTH_HCI_H4_WITH_PHDR'], [209, 'IPMB_LINUX'], [215, 'IEEE802_15_4_NONASK_PHY'],
  [220, 'USB_LINUX_MMAPPED'], [227, 'CAN_SOCKETCAN'], [228, 'IPV4'], [229, 'IPV6'], [230, 'IEEE802_15_4_NOFCS'], [239, 'NFLOG'],
  [240, 'NETANALYZER'], [248, 'SCTP'], [249, 'USBPCAP'], [253, 'NETLINK'], [254, 'BLUETOOTH_LINUX_MONITOR'], [263, 'PROFIBUS_DL'],
  [264, 'PKTAP'], [265, 'EPON'], [274, 'NORDIC_BLE'], [276, 'LINUX_SLL2'], [279, 'VSOCK'], [281, 'DISPLAYPORT_AUX'], [290, 'ETW'],
]);

/** The LINKTYPE_ name of a link type, or null when natsim does not know it. */
export function linkTypeName(linkType: number): string | null {
  return NAMES.get(linkType) ?? null;
}

/** Whether `decodeLink` reads frames of this link type. */
export function linkTypeSupported(linkType: number): boolean {
  return SUPPORTED.has(linkType);
}

/** A Linux cooked-capture header (SLL or SLL2). */
export interface CookedHeader {
  kind: 'sll' | 'sll2';
  /** 0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 outgoing. */
  packetType: number;
  /** ARPHRD_ type of the interface (1 Ethernet, 772 loopback, 65534 none…). */
  arphrdType: number;
  /** Link-layer address of the sender (at most 8 bytes, as the header holds). */
  address: Uint8Array;
  /** Protocol (an EtherType for most interfaces). */
  protocol: number;
  /** SLL2: the interface index of the capture; -1 for SLL. */
  ifIndex: number;
}

/** The link-layer header a datagram came with. */
export type LinkHeader =
  | { kind: 'ethernet'; header: EthernetHeader }
  | CookedHeader
  | { kind: 'null'; /** The address family value, as read. */ af: number; byteOrder: 'host-little' | 'host-big' | 'network' }
  | { kind: 'raw' };

/** A frame decoded: the IP datagram, or why it is not one. */
export type LinkFrame =
  | {
    kind: 'ip';
    family: Family;
    /** The datagram bytes that were captured (trimmed to the IP length). */
    datagram: Uint8Array;
    /** The datagram's length on the wire (more than `datagram.length` when `truncated`). */
    wireLength: number;
    /** The capture's snap length cut the datagram short. */
    truncated: boolean;
    link: LinkHeader;
    /** The Ethernet header for `Packet.link` (`-m mac`), or null for other link types. */
    ethernet: EthernetHeader | null;
  }
  | { kind: 'other'; /** What it is, to count by (e.g. `ARP`, `EtherType 0x88cc`, `short frame`). */ reason: string };

/** Why a frame is not IP (see `LinkSlot.reason`). */
export const NOT_IP = { NONE: 0, SHORT: 1, ETHERTYPE: 2, AF: 3, VERSION: 4 } as const;

/** The reusable result of `decodeLinkInto` (the fast path): offsets into the record's bytes. */
export interface LinkSlot {
  /** 4 or 6 for IP; 0 when not IP (then `reason` and `protocol` say why). */
  ipVersion: number;
  /** The datagram is `bytes[start, end)`. */
  start: number;
  end: number;
  wireLength: number;
  truncated: boolean;
  /** Link header length (the datagram starts this far into the frame). */
  linkLength: number;
  /** A `NOT_IP` value, and the EtherType / address family / version that was found. */
  reason: number;
  protocol: number;
}

/** A fresh slot for `decodeLinkInto`. */
export function linkSlot(): LinkSlot {
  return { ipVersion: 0, start: 0, end: 0, wireLength: 0, truncated: false, linkLength: 0, reason: 0, protocol: 0 };
}

const AF_INET = 2;
const AF_INET6_VALUES = new Set([10, 24, 28, 30]); // Linux, NetBSD/OpenBSD, FreeBSD, Darwin

/**
 * Decode the frame `b[start, end)` (captured; `originalLength` on the wire) of `linkType` into
 * `out`; true when it carries IP. No allocation.
 */
export function decodeLinkInto(linkType: number, b: Uint8Array, start: number, end: number, originalLength: number, out: LinkSlot): boolean {
  const len = end - start;
  let hl: number, version: number;
  switch (linkType) {
    case 1: { // Ethernet, with any number of 802.1Q / 802.1ad tags
      if (len < 14) return notIp(out, NOT_IP.SHORT, 0);
      let off = start + 12;
      let type = (b[off]! << 8) | b[off + 1]!;
      while (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
        off += 4;
        if (off + 2 > end) return notIp(out, NOT_IP.SHORT, type);
        type = (b[off]! << 8) | b[off + 1]!;
      }
      hl = off + 2 - start;
      if (type === 0x0800) version = 4;
      else if (type === 0x86dd) version = 6;
      else return notIp(out, NOT_IP.ETHERTYPE, type);
      break;
    }
    case 101: case 12: case 14: case 228: case 229: { // raw IP: the version nibble says which
      hl = 0;
      if (len < 1) return notIp(out, NOT_IP.SHORT, 0);
      version = b[start]! >>> 4;
      if (linkType === 228 && version !== 4) return notIp(out, NOT_IP.VERSION, version);
      if (linkType === 229 && version !== 6) return notIp(out, NOT_IP.VERSION, version);
      if (version !== 4 && version !== 6) return notIp(out, NOT_IP.VERSION, version);
      break;
    }
    case 113: case 276: { // Linux cooked capture v1 / v2
      hl = linkType === 113 ? 16 : 20;
      if (len < hl) return notIp(out, NOT_IP.SHORT, 0);
      const p = linkType === 113 ? start + 14 : start;
      const proto = (b[p]! << 8) | b[p + 1]!;
      if (proto === 0x0800) version = 4;
      else if (proto === 0x86dd) version = 6;
      else return notIp(out, NOT_IP.ETHERTYPE, proto);
      break;
    }
    case 0: case 108: { // BSD loopback: a 4-byte address family
      hl = 4;
      if (len < 4) return notIp(out, NOT_IP.SHORT, 0);
      const af = nullFamily(linkType, b, start);
      if (af === AF_INET) version = 4;
      else if (AF_INET6_VALUES.has(af)) version = 6;
      else return notIp(out, NOT_IP.AF, af);
      break;
    }
    default:
      return notIp(out, NOT_IP.ETHERTYPE, -1);
  }
  const ds = start + hl;
  let de = end;
  let wire = Math.max(originalLength, len) - hl;
  // Trim to the IP header's own length (padding, FCS), as ip_rcv does.
  if (version === 4) {
    if (de - ds >= 4) {
      const tl = (b[ds + 2]! << 8) | b[ds + 3]!;
      if (tl >= 20 && tl < wire) { wire = tl; if (de > ds + tl) de = ds + tl; }
    }
  } else if (de - ds >= 6) {
    const pl = (b[ds + 4]! << 8) | b[ds + 5]!;
    if (pl > 0 && pl + 40 < wire) { wire = pl + 40; if (de > ds + pl + 40) de = ds + pl + 40; }
  }
  out.ipVersion = version;
  out.start = ds;
  out.end = de;
  out.wireLength = wire;
  out.truncated = de - ds < wire;
  out.linkLength = hl;
  out.reason = NOT_IP.NONE;
  out.protocol = version === 4 ? 0x0800 : 0x86dd;
  return true;
}

function notIp(out: LinkSlot, reason: number, protocol: number): false {
  out.ipVersion = 0;
  out.reason = reason;
  out.protocol = protocol;
  out.truncated = false;
  return false;
}

/** The address family of a NULL/LOOP header (NULL: the capturing host's order, guessed as Wireshark does). */
function nullFamily(linkType: number, b: Uint8Array, start: number): number {
  const be = ((b[start]! << 24) | (b[start + 1]! << 16) | (b[start + 2]! << 8) | b[start + 3]!) >>> 0;
  if (linkType === 108) return be;
  // Families are small: if the high half is set, the value was written little-endian.
  return (be & 0xffff0000) !== 0 ? (((b[start + 3]! << 24) | (b[start + 2]! << 16) | (b[start + 1]! << 8) | b[start]!) >>> 0) : be;
}

const ETHERTYPE_NAMES = new Map<number, string>([[0x0806, 'ARP'], [0x8035, 'RARP'], [0x88cc, 'LLDP'], [0x888e, 'EAPOL'], [0x8809, 'slow protocols (LACP)'], [0x8863, 'PPPoE discovery'], [0x8864, 'PPPoE session'], [0x8847, 'MPLS'], [0x88f7, 'PTP'], [0x0004, 'IEEE 802.2 LLC'], [0x0001, 'IEEE 802.3']]);

/** The reason text of a slot that is not IP (what to count it under). */
export function notIpReason(linkType: number, slot: LinkSlot): string {
  switch (slot.reason) {
    case NOT_IP.SHORT: return 'frame shorter than its link header';
    case NOT_IP.AF: return `address family ${slot.protocol}`;
    case NOT_IP.VERSION: return `IP version ${slot.protocol}`;
    default: {
      if (slot.protocol < 0) return `link type ${linkType}`;
      const name = ETHERTYPE_NAMES.get(slot.protocol);
      if (name) return name;
      // Ethernet frames whose type field is a length are 802.3 (LLC/SNAP: STP, CDP…).
      if (linkType === LINKTYPE.ETHERNET && slot.protocol <= 1500) return 'IEEE 802.3 (LLC)';
      return `EtherType 0x${slot.protocol.toString(16).padStart(4, '0')}`;
    }
  }
}

/** Decode a frame of `linkType` (captured bytes, original length) into its datagram or a reason. */
export function decodeLink(linkType: number, frame: Uint8Array, originalLength = frame.length): LinkFrame {
  const s = linkSlot();
  if (!decodeLinkInto(linkType, frame, 0, frame.length, originalLength, s)) return { kind: 'other', reason: notIpReason(linkType, s) };
  let link: LinkHeader;
  let ethernet: EthernetHeader | null = null;
  switch (linkType) {
    case LINKTYPE.ETHERNET: ethernet = parseEthernet(frame)!; link = { kind: 'ethernet', header: ethernet }; break;
    case LINKTYPE.LINUX_SLL: {
      const alen = Math.min(8, (frame[4]! << 8) | frame[5]!);
      link = { kind: 'sll', packetType: (frame[0]! << 8) | frame[1]!, arphrdType: (frame[2]! << 8) | frame[3]!, address: frame.slice(6, 6 + alen), protocol: s.protocol, ifIndex: -1 };
      break;
    }
    case LINKTYPE.LINUX_SLL2: {
      const alen = Math.min(8, frame[11]!);
      const ifIndex = ((frame[4]! << 24) | (frame[5]! << 16) | (frame[6]! << 8) | frame[7]!) >>> 0;
      link = { kind: 'sll2', protocol: s.protocol, ifIndex, arphrdType: (frame[8]! << 8) | frame[9]!, packetType: frame[10]!, address: frame.slice(12, 12 + alen) };
      break;
    }
    case LINKTYPE.NULL: case LINKTYPE.LOOP: {
      const af = nullFamily(linkType, frame, 0);
      const byteOrder = linkType === LINKTYPE.LOOP ? 'network' : (frame[0]! | frame[1]!) !== 0 ? 'host-little' : 'host-big';
      link = { kind: 'null', af, byteOrder };
      break;
    }
    default: link = { kind: 'raw' };
  }
  return { kind: 'ip', family: s.ipVersion === 4 ? 'ipv4' : 'ipv6', datagram: frame.subarray(s.start, s.end), wireLength: s.wireLength, truncated: s.truncated, link, ethernet };
}

/** How to frame a datagram for `encapsulate`. */
export interface EncapsulateOptions {
  /** Ethernet: addresses and tags (the EtherType is set from the family); default 02:00:00:00:00:02 → 02:00:00:00:00:01, no tags. */
  ethernet?: { dst: Uint8Array; src: Uint8Array; vlans?: VlanTag[] };
  /** SLL/SLL2: packet type (default 4, outgoing), ARPHRD type (default 1), address, interface index (SLL2). */
  cooked?: { packetType?: number; arphrdType?: number; address?: Uint8Array; ifIndex?: number };
  /** NULL: write the family in little-endian (the default) or big-endian host order. */
  nullByteOrder?: 'little' | 'big';
}

const DEFAULT_SRC_MAC = Uint8Array.of(2, 0, 0, 0, 0, 2);
const DEFAULT_DST_MAC = Uint8Array.of(2, 0, 0, 0, 0, 1);

/** The frame of `linkType` carrying `datagram` (a new buffer: link header, then the datagram). */
export function encapsulate(linkType: number, family: Family, datagram: Uint8Array, o: EncapsulateOptions = {}): Uint8Array {
  const ethertype = family === 'ipv4' ? ETHERTYPE.IPV4 : ETHERTYPE.IPV6;
  switch (linkType) {
    case LINKTYPE.ETHERNET: {
      const vlans = o.ethernet?.vlans ?? [];
      const f = new Uint8Array(14 + 4 * vlans.length + datagram.length);
      const at = emitEthernet({ dst: o.ethernet?.dst ?? DEFAULT_DST_MAC, src: o.ethernet?.src ?? DEFAULT_SRC_MAC, vlans, ethertype }, f);
      f.set(datagram, at);
      return f;
    }
    case LINKTYPE.RAW: case LINKTYPE.RAW_BSD: case LINKTYPE.RAW_OPENBSD: case LINKTYPE.IPV4: case LINKTYPE.IPV6: {
      if ((linkType === LINKTYPE.IPV4 && family !== 'ipv4') || (linkType === LINKTYPE.IPV6 && family !== 'ipv6')) throw new Error(`link type ${linkType} cannot carry ${family}`);
      return datagram.slice();
    }
    case LINKTYPE.LINUX_SLL: case LINKTYPE.LINUX_SLL2: {
      const c = o.cooked ?? {};
      const addr = (c.address ?? new Uint8Array(0)).subarray(0, 8);
      const hl = linkType === LINKTYPE.LINUX_SLL ? 16 : 20;
      const f = new Uint8Array(hl + datagram.length);
      const dv = new DataView(f.buffer);
      if (linkType === LINKTYPE.LINUX_SLL) {
        dv.setUint16(0, c.packetType ?? 4); dv.setUint16(2, c.arphrdType ?? 1); dv.setUint16(4, addr.length); f.set(addr, 6); dv.setUint16(14, ethertype);
      } else {
        dv.setUint16(0, ethertype); dv.setUint32(4, c.ifIndex ?? 0); dv.setUint16(8, c.arphrdType ?? 1); f[10] = c.packetType ?? 4; f[11] = addr.length; f.set(addr, 12);
      }
      f.set(datagram, hl);
      return f;
    }
    case LINKTYPE.NULL: case LINKTYPE.LOOP: {
      const f = new Uint8Array(4 + datagram.length);
      const af = family === 'ipv4' ? AF_INET : 24; // BSD AF_INET6, the value every reader knows
      new DataView(f.buffer).setUint32(0, af, linkType === LINKTYPE.NULL && (o.nullByteOrder ?? 'little') === 'little');
      f.set(datagram, 4);
      return f;
    }
    default:
      throw new Error(`cannot write frames of link type ${linkType}${linkTypeName(linkType) ? ` (${linkTypeName(linkType)})` : ''}`);
  }
}
