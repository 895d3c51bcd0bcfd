/**
 * IPv6 headers (RFC 8200): the fixed header and a walk over the extension headers (hop-by-hop,
 * routing, fragment, destination options, AH) to the transport header, as the kernel's
 * `ipv6_find_hdr` does, keeping the fragment fields a rule can match on.
 */
import type { Words } from '../net/addr.js';
import { readU16, readU32, writeU16, writeU32 } from './ipv4.js';

/** Extension header numbers walked over. */
export const IPV6_EXT = { HOPOPTS: 0, ROUTING: 43, FRAGMENT: 44, ESP: 50, AH: 51, NONE: 59, DSTOPTS: 60, MH: 135 } as const;

/** An IPv6 header with what its extension headers say. */
export interface Ipv6Header {
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  /** The Next Header field of the fixed header. */
  nextHeader: number;
  hopLimit: number;
  src: Words;
  dst: Words;
  /** Extension headers passed, in order (their numbers). */
  extensions: number[];
  /** Transport protocol after the extension headers (59 for none, 50 for ESP, which is not walked). */
  protocol: number;
  /** Offset of the transport header from the start of the IPv6 header. */
  transportOffset: number;
  /** Fragment header fields, when there is one. */
  fragment: { offset: number; more: boolean; id: number } | null;
}

/** Why an IPv6 header could not be read. */
export type Ipv6Error = 'truncated' | 'version' | 'extension-truncated';

/** Parse the IPv6 header at `off` and walk its extension headers. */
export function parseIpv6(b: Uint8Array, off = 0): Ipv6Header | Ipv6Error {
  if (b.length - off < 40) return 'truncated';
  const w0 = readU32(b, off);
  if (w0 >>> 28 !== 6) return 'version';
  const src: Words = [readU32(b, off + 8), readU32(b, off + 12), readU32(b, off + 16), readU32(b, off + 20)];
  const dst: Words = [readU32(b, off + 24), readU32(b, off + 28), readU32(b, off + 32), readU32(b, off + 36)];
  const nextHeader = b[off + 6]!;
  const h: Ipv6Header = {
    trafficClass: (w0 >>> 20) & 0xff,
    flowLabel: w0 & 0xfffff,
    payloadLength: readU16(b, off + 4),
    nextHeader,
    hopLimit: b[off + 7]!,
    src, dst,
    extensions: [],
    protocol: nextHeader,
    transportOffset: 40,
    fragment: null,
  };
  let nh = nextHeader;
  let pos = off + 40;
  for (;;) {
    if (nh === IPV6_EXT.HOPOPTS || nh === IPV6_EXT.ROUTING || nh === IPV6_EXT.DSTOPTS || nh === IPV6_EXT.AH) {
      if (b.length - pos < 2) return 'extension-truncated';
      const len = nh === IPV6_EXT.AH ? (b[pos + 1]! + 2) * 4 : (b[pos + 1]! + 1) * 8;
      if (b.length - pos < len) return 'extension-truncated';
      h.extensions.push(nh);
      nh = b[pos]!;
      pos += len;
      continue;
    }
    if (nh === IPV6_EXT.FRAGMENT) {
      if (b.length - pos < 8) return 'extension-truncated';
      const fo = readU16(b, pos + 2);
      h.fragment = { offset: fo >>> 3, more: (fo & 1) === 1, id: readU32(b, pos + 4) };
      h.extensions.push(nh);
      nh = b[pos]!;
      pos += 8;
      // A non-first fragment's payload is not a transport header.
      if (h.fragment.offset !== 0) break;
      continue;
    }
    break;
  }
  h.protocol = nh;
  h.transportOffset = pos - off;
  return h;
}

/** Write the fixed IPv6 header (no extension headers) at `off`; returns 40. */
export function emitIpv6(h: Pick<Ipv6Header, 'trafficClass' | 'flowLabel' | 'payloadLength' | 'nextHeader' | 'hopLimit' | 'src' | 'dst'>, b: Uint8Array, off = 0): number {
  writeU32(b, off, ((6 << 28) | (h.trafficClass << 20) | h.flowLabel) >>> 0);
  writeU16(b, off + 4, h.payloadLength);
  b[off + 6] = h.nextHeader;
  b[off + 7] = h.hopLimit;
  for (let i = 0; i < 4; i++) {
    writeU32(b, off + 8 + 4 * i, h.src[i]!);
    writeU32(b, off + 24 + 4 * i, h.dst[i]!);
  }
  return 40;
}
