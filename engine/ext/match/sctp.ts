/**
 * `-m sctp` (implicit after `-p sctp`): source/destination port ranges and
 * `--chunk-types any|all|only CHUNK[:FLAGS],…` (libxt_sctp, xt_sctp.c).
 *
 * Packet behaviour (`sctp_mt`, `match_packet`): a non-first fragment never matches; a 12-byte
 * common header that does not lie within the packet is hot-dropped; each given test (source
 * ports, destination ports, chunk types, in that order, stopping at the first that fails) XORs
 * its own `!`. The chunk walk reads every chunk header (4-byte padded lengths) until the end of
 * the packet; a chunk header beyond the packet or with length 0 hot-drops (so does a packet with
 * no chunk at all). A chunk's flag test applies when its type has one: `any` matches at the first
 * listed chunk that passes, `all` when every listed type was seen passing, `only` when every
 * chunk is listed and passes.
 */
import type { Packet } from '../../packet.js';
import type { MatchExtension, PacketContext } from '../types.js';
import { IPPROTO } from '../values.js';
import { formatRange, parseProtoPortRange, type Range } from '../port-ranges.js';
import { be16, fragoff, headerPointer, thoff } from '../header-pointer.js';

/** Chunk names in libxt_sctp's table order, with their type and flag letters (bit 7 first). */
const CHUNKS: ReadonlyArray<{ name: string; type: number; flags: string }> = [
  { name: 'DATA', type: 0, flags: '----IUBE' },
  { name: 'INIT', type: 1, flags: '--------' },
  { name: 'INIT_ACK', type: 2, flags: '--------' },
  { name: 'SACK', type: 3, flags: '--------' },
  { name: 'HEARTBEAT', type: 4, flags: '--------' },
  { name: 'HEARTBEAT_ACK', type: 5, flags: '--------' },
  { name: 'ABORT', type: 6, flags: '-------T' },
  { name: 'SHUTDOWN', type: 7, flags: '--------' },
  { name: 'SHUTDOWN_ACK', type: 8, flags: '--------' },
  { name: 'ERROR', type: 9, flags: '--------' },
  { name: 'COOKIE_ECHO', type: 10, flags: '--------' },
  { name: 'COOKIE_ACK', type: 11, flags: '--------' },
  { name: 'ECN_ECNE', type: 12, flags: '--------' },
  { name: 'ECN_CWR', type: 13, flags: '--------' },
  { name: 'SHUTDOWN_COMPLETE', type: 14, flags: '-------T' },
  { name: 'ASCONF', type: 193, flags: '--------' },
  { name: 'ASCONF_ACK', type: 128, flags: '--------' },
  { name: 'FORWARD_TSN', type: 192, flags: '--------' },
];

/** XT_NUM_SCTP_FLAGS: chunk types that may carry flag tests. */
const MAX_FLAG_CHUNKS = 4;

/** One flag test; `chunk` is the index in the name table, as libxt_sctp stores it. */
interface FlagInfo { chunk: number; flag: number; mask: number }

/** Parsed options: the kernel's `xt_sctp_info`. */
export interface SctpState {
  spts: Range;
  dpts: Range;
  matchType: 'any' | 'all' | 'only';
  /** Chunk types in the map, or 'all' for every one of the 256. */
  chunks: Set<number> | 'all';
  flagInfo: FlagInfo[];
  inv: { spts: boolean; dpts: boolean; chunks: boolean };
  given: { spts: boolean; dpts: boolean; chunks: boolean };
}

function parseChunks(s: SctpState, text: string, fail: (m: string) => never): void {
  s.chunks = new Set();
  s.flagInfo = [];
  if (text.toUpperCase() === 'ALL') { s.chunks = 'all'; return; }
  if (text.toUpperCase() === 'NONE') return;
  for (const item of text.split(',')) {
    if (item === '') continue;
    const colon = item.indexOf(':');
    const name = colon < 0 ? item : item.slice(0, colon);
    const idx = CHUNKS.findIndex((c) => c.name.toLowerCase() === name.toLowerCase());
    if (idx < 0) fail(`Unknown sctp chunk \`${name}'`);
    s.chunks.add(CHUNKS[idx]!.type);
    if (colon < 0) continue;
    for (const ch of item.slice(colon + 1)) {
      const pos = CHUNKS[idx]!.flags.indexOf(ch.toUpperCase());
      if (pos < 0) fail(`Invalid flags for chunk type ${idx}`);
      const bit = 1 << (7 - pos);
      let info = s.flagInfo.find((f) => f.chunk === idx);
      if (!info) {
        if (s.flagInfo.length === MAX_FLAG_CHUNKS) fail('Number of chunk types with flags exceeds currently allowed limit.');
        info = { chunk: idx, flag: 0, mask: 0 };
        s.flagInfo.push(info);
      }
      info.mask |= bit;
      if (ch !== ch.toLowerCase()) info.flag |= bit;
    }
  }
}

function formatChunks(s: SctpState): string {
  if (s.chunks === 'all') return 'ALL';
  if (s.chunks.size === 0) return 'NONE';
  const parts: string[] = [];
  for (let type = 0; type < 256; type++) {
    if (!s.chunks.has(type)) continue;
    let text = CHUNKS.find((c) => c.type === type)!.name;
    for (const f of s.flagInfo) {
      if (f.chunk !== type || !f.mask) continue;
      text += ':';
      const letters = CHUNKS[type]!.flags;
      for (let bit = 7; bit >= 0; bit--) {
        if (!(f.mask & (1 << bit))) continue;
        const l = letters[7 - bit]!;
        text += f.flag & (1 << bit) ? l : l.toLowerCase();
      }
    }
    parts.push(text);
  }
  return parts.join(',');
}

/** `match_flags`: the first flag test for this chunk type decides; none means pass. */
function matchFlags(s: SctpState, type: number, flags: number): boolean {
  const f = s.flagInfo.find((i) => i.chunk === type);
  return f ? (flags & f.mask) === f.flag : true;
}

/** `match_packet`: the chunk walk from `off`; sets hotdrop on a bad chunk header. */
function matchChunks(s: SctpState, pkt: Packet, off: number, ctx: PacketContext): boolean {
  const listed = (t: number): boolean => s.chunks === 'all' || s.chunks.has(t);
  const pending = s.matchType === 'all' ? new Set(s.chunks === 'all' ? Array.from({ length: 256 }, (_, i) => i) : s.chunks) : null;
  do {
    const sch = headerPointer(pkt, off, 4, 'sctp');
    if (!sch || be16(sch, 2) === 0) {
      ctx.hotdrop();
      return false;
    }
    const type = sch[0]!, flags = sch[1]!;
    off += (be16(sch, 2) + 3) & ~3;
    if (listed(type)) {
      const ok = matchFlags(s, type, flags);
      if (s.matchType === 'any' && ok) return true;
      if (s.matchType === 'all' && ok) pending!.delete(type);
      if (s.matchType === 'only' && !ok) return false;
    } else if (s.matchType === 'only') {
      return false;
    }
  } while (off < pkt.length);
  if (s.matchType === 'all') return pending!.size === 0;
  return s.matchType === 'only';
}

/** The sctp match. */
export const sctp: MatchExtension<SctpState> = {
  kind: 'match',
  name: 'sctp',
  proto: IPPROTO.SCTP,
  options: [
    { name: 'source-port', args: 1, invert: true },
    { name: 'sport', args: 1, invert: true },
    { name: 'destination-port', args: 1, invert: true },
    { name: 'dport', args: 1, invert: true },
    { name: 'chunk-types', args: 2, invert: true },
  ],
  create: () => ({
    spts: [0, 65535], dpts: [0, 65535], matchType: 'any', chunks: new Set(), flagInfo: [],
    inv: { spts: false, dpts: false, chunks: false }, given: { spts: false, dpts: false, chunks: false },
  }),
  parse(s, opt, args, invert, ctx) {
    switch (opt) {
      case 'source-port': case 'sport':
        if (s.given.spts) ctx.fail("Only one `--source-port' allowed");
        s.spts = parseProtoPortRange(ctx, args[0]!, 'sctp');
        s.inv.spts = invert;
        s.given.spts = true;
        return;
      case 'destination-port': case 'dport':
        if (s.given.dpts) ctx.fail("Only one `--destination-port' allowed");
        s.dpts = parseProtoPortRange(ctx, args[0]!, 'sctp');
        s.inv.dpts = invert;
        s.given.dpts = true;
        return;
      case 'chunk-types': {
        const t = args[0]!.toLowerCase();
        if (t !== 'any' && t !== 'all' && t !== 'only') ctx.fail('Match type has to be one of "ALL", "ANY" or "ONLY"');
        s.matchType = t as SctpState['matchType'];
        parseChunks(s, args[1]!, ctx.fail);
        s.inv.chunks = invert;
        s.given.chunks = true;
        return;
      }
    }
  },
  /** `sctp_mt`: no fragments, the common header (hot-drop when cut short), ports, chunks. */
  match(s, pkt, _rt, ctx) {
    if (fragoff(pkt) !== 0) return false;
    const off = thoff(pkt);
    const sh = headerPointer(pkt, off, 12, 'sctp');
    if (!sh) {
      ctx.hotdrop();
      return false;
    }
    const sp = be16(sh, 0), dp = be16(sh, 2);
    if (s.given.spts && (sp >= s.spts[0] && sp <= s.spts[1]) === s.inv.spts) return false;
    if (s.given.dpts && (dp >= s.dpts[0] && dp <= s.dpts[1]) === s.inv.dpts) return false;
    if (s.given.chunks) {
      // After a hot-drop the result is moot: the traversal drops the packet.
      if (matchChunks(s, pkt, off + 12, ctx) === s.inv.chunks) return false;
    }
    return true;
  },
  save(s) {
    let out = '';
    if (s.given.spts) out += `${s.inv.spts ? ' !' : ''} --sport ${formatRange(s.spts)}`;
    if (s.given.dpts) out += `${s.inv.dpts ? ' !' : ''} --dport ${formatRange(s.dpts)}`;
    if (s.given.chunks) out += `${s.inv.chunks ? ' !' : ''} --chunk-types ${s.matchType} ${formatChunks(s)}`;
    return out;
  },
};
