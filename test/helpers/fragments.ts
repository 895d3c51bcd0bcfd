/**
 * Fragments as a sender cuts a datagram, for tests (unit and kernel): IPv4 (each fragment the
 * header, its total length, offset and MF, header checksum filled) and IPv6 (the fixed header,
 * a fragment header with the identification given, its payload length); and IPv4 options.
 */
import { fillIpv4Checksum } from '../../engine/wire/ipv4.js';

/** IPv4 datagram `whole` with options `opts` (a multiple of 4 bytes) after its 20-byte header. */
export function withIpv4Options(whole: Uint8Array, opts: readonly number[]): Uint8Array {
  const out = new Uint8Array(whole.length + opts.length);
  out.set(whole.subarray(0, 20));
  out.set(opts, 20);
  out.set(whole.subarray(20), 20 + opts.length);
  out[0] = 0x45 + opts.length / 4;
  out[2] = out.length >> 8; out[3] = out.length & 255;
  fillIpv4Checksum(out);
  return out;
}

/** IPv4 datagram `whole` cut into fragments with these data sizes (all but the last multiples of 8). */
export function ipv4Fragments(whole: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const hlen = (whole[0]! & 15) * 4;
  let off = 0;
  return sizes.map((n, k) => {
    const f = new Uint8Array(hlen + n);
    f.set(whole.subarray(0, hlen));
    f.set(whole.subarray(hlen + off, hlen + off + n), hlen);
    const fo = (off >> 3) | (k < sizes.length - 1 ? 0x2000 : 0) | (whole[6]! & 0x40) << 8;
    f[2] = (hlen + n) >> 8; f[3] = (hlen + n) & 255; f[6] = fo >> 8; f[7] = fo & 255;
    fillIpv4Checksum(f);
    off += n;
    return f;
  });
}

/** IPv6 datagram `whole` (a fixed header, no extension headers) cut into fragments with these data sizes, identification `id`. */
export function ipv6Fragments(whole: Uint8Array, sizes: readonly number[], id: number): Uint8Array[] {
  const next = whole[6]!;
  let off = 0;
  return sizes.map((n, k) => {
    const f = new Uint8Array(48 + n);
    f.set(whole.subarray(0, 40));
    f[6] = 44; f[4] = (8 + n) >> 8; f[5] = (8 + n) & 255;
    f[40] = next;
    f[42] = off >> 8; f[43] = (off & 0xf8) | (k < sizes.length - 1 ? 1 : 0);
    f[44] = id >>> 24; f[45] = (id >>> 16) & 255; f[46] = (id >>> 8) & 255; f[47] = id & 255;
    f.set(whole.subarray(40 + off, 40 + off + n), 48);
    off += n;
    return f;
  });
}
