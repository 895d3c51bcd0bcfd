/**
 * Ethernet II frames with 802.1Q / 802.1ad VLAN tags: a view over the bytes and a record that
 * keeps every field a rule can match on (`-m mac` reads the source address).
 */

/** EtherTypes natsim handles. */
export const ETHERTYPE = { IPV4: 0x0800, ARP: 0x0806, VLAN: 0x8100, QINQ: 0x88a8, IPV6: 0x86dd } as const;

/** One VLAN tag: priority, drop-eligible bit, VLAN id, and the TPID that announced it. */
export interface VlanTag { tpid: number; pcp: number; dei: boolean; vid: number }

/** An Ethernet header as parsed. */
export interface EthernetHeader {
  dst: Uint8Array;
  src: Uint8Array;
  vlans: VlanTag[];
  /** EtherType after the tags. */
  ethertype: number;
  /** Offset of the payload (after the tags). */
  payloadOffset: number;
}

/** Parse an Ethernet header at offset 0; null when the frame is too short for it. */
export function parseEthernet(b: Uint8Array): EthernetHeader | null {
  if (b.length < 14) return null;
  const vlans: VlanTag[] = [];
  let off = 12;
  let type = (b[off]! << 8) | b[off + 1]!;
  while ((type === ETHERTYPE.VLAN || type === ETHERTYPE.QINQ) && off + 6 <= b.length) {
    const tci = (b[off + 2]! << 8) | b[off + 3]!;
    vlans.push({ tpid: type, pcp: tci >>> 13, dei: (tci & 0x1000) !== 0, vid: tci & 0xfff });
    off += 4;
    type = (b[off]! << 8) | b[off + 1]!;
  }
  if (off + 2 > b.length) return null;
  return { dst: b.subarray(0, 6), src: b.subarray(6, 12), vlans, ethertype: type, payloadOffset: off + 2 };
}

/** Write an Ethernet header (with its tags) into `b` at 0; returns the payload offset. */
export function emitEthernet(h: Omit<EthernetHeader, 'payloadOffset'>, b: Uint8Array): number {
  b.set(h.dst, 0);
  b.set(h.src, 6);
  let off = 12;
  for (const v of h.vlans) {
    b[off] = v.tpid >>> 8; b[off + 1] = v.tpid & 0xff;
    const tci = (v.pcp << 13) | (v.dei ? 0x1000 : 0) | v.vid;
    b[off + 2] = tci >>> 8; b[off + 3] = tci & 0xff;
    off += 4;
  }
  b[off] = h.ethertype >>> 8; b[off + 1] = h.ethertype & 0xff;
  return off + 2;
}

/** Bytes an Ethernet header with these tags takes. */
export function ethernetHeaderLength(vlanCount: number): number {
  return 14 + 4 * vlanCount;
}

/** `aa:bb:cc:dd:ee:ff`, lower case, as iptables prints a MAC address. */
export function formatMac(m: Uint8Array): string {
  return Array.from(m, (x) => x.toString(16).padStart(2, '0')).join(':');
}

/** A MAC address from `aa:bb:…` text; null when it is not one. */
export function parseMac(text: string): Uint8Array | null {
  const parts = text.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) return null;
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}
