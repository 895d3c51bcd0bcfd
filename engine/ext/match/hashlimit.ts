/**
 * `-m hashlimit` (revision 3): a token bucket per hash key (source/destination address, masked
 * to `--hashlimit-srcmask/dstmask`, and ports, as `--hashlimit-mode` says), in packets
 * (`N/unit`) or bytes (`Nb/s`, `Nkb/s`, `Nmb/s`) per second (libxt_hashlimit, xt_hashlimit.c
 * `hashlimit_mt_check_common`). Saved with its defaults spelled out (`--hashlimit-burst 5`); the
 * expiry is printed when it differs from the printed rate's unit. `--hashlimit-name` is required.
 *
 * Packet behaviour (`hashlimit_mt_common`, revision 3): one hash table per name and family in the
 * namespace (`ctx.shared`), its config (mode, masks, rate, burst, expiry, size) from the rule that
 * created it; an entry per key (the selected addresses masked, the selected ports read from the
 * transport header, 0 where not selected), each with the kernel's token bucket in 64-bit credits
 * at HZ=250 (packets: 2^39 credits per jiffy; bytes: 2^24 per jiffy, cost per 16-byte chunk), or
 * the rate-match window; `--hashlimit-upto` matches while under the limit, `--hashlimit-above`
 * (the INVERT bit) while over it. A port that cannot be read, or a full table, hotdrops.
 *
 * Where natsim's view differs from the kernel's: the kernel creates the table (and starts its
 * garbage collector, which frees entries whose expiry has passed every `gcinterval` ms) when the
 * first rule naming it is loaded; natsim creates it when the first such rule sees a packet and
 * runs the collector every `gcinterval` from then, before packets of the same jiffy. If an
 * earlier-loaded rule with another config reaches a table later, natsim stops with
 * NOT_IMPLEMENTED. Without `--hashlimit-htable-size` the kernel sizes the table from the RAM;
 * natsim takes a host with more than 1 GiB (8192 buckets, so at most 65536 entries). The table is
 * not dropped when a reload removes every rule naming it.
 */
import { NatsimError, EXIT_OTHER } from '../../errors.js';
import type { Family, Words } from '../../net/addr.js';
import type { Packet } from '../../packet.js';
import type { MatchExtension, PacketContext, ParseContext } from '../types.js';
import { needUint } from '../values.js';
import { cAtoi, cAtol, formatRate, HZ, jiffiesAt, msecsToJiffies, parseRate } from '../rate.js';
import { needPlen } from '../hostaddr.js';

/** Mode bits (xt_hashlimit.h). */
export const HASHLIMIT = {
  HASH_DIP: 1 << 0, HASH_DPT: 1 << 1, HASH_SIP: 1 << 2, HASH_SPT: 1 << 3,
  INVERT: 1 << 4, BYTES: 1 << 5, RATE_MATCH: 1 << 6,
} as const;

/** XT_HASHLIMIT_SCALE_v2: revision 2+ periods are in µs. */
const SCALE = 1000000n;
const BURST_MAX = 1000000n;
/** Kernel HASHLIMIT_MAX_SIZE: larger --hashlimit-htable-size/max are cut to it. */
const MAX_SIZE = 1048576;
/** The name lives in `char name[NAME_MAX]`: userspace keeps 254 bytes. */
const NAME_BYTES = 254;
/** HZ · CREDITS_PER_JIFFY (64-bit) / scale, for CONFIG_HZ=250 (2^39 credits per jiffy). */
const CREDITS_FACTOR = (250n * (1n << 39n)) / SCALE;
/** HZ · CREDITS_PER_JIFFY_BYTES for CONFIG_HZ=250 (2^24). */
const CREDITS_BYTES = 250n * (1n << 24n);
const U32_MAX = 0xffffffffn;
const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);

/** Parsed options: the kernel's `hashlimit_cfg3` and the name. */
export interface HashlimitState {
  mode: number;
  avg: bigint;
  burst: bigint;
  size: number;
  max: number;
  gcInterval: number;
  expire: number;
  srcmask: number;
  dstmask: number;
  interval: number;
  name: string | null;
  /** Seconds in the rate's unit (15 for byte rates): the default expiry. */
  mult: number;
  given: { rate: 'upto' | 'above' | null; burst: boolean; expire: boolean; rateMatch: boolean };
}

function costToBytes(cost: bigint): bigint {
  const r = cost ? U32_MAX / cost : U32_MAX;
  return U64((r - 1n) << 4n);
}

function bytesToCost(bytes: bigint): bigint {
  const r = BigInt.asUintN(32, bytes >> 4n);
  return U32_MAX / BigInt.asUintN(32, r + 1n);
}

function factor(ch: string | undefined): bigint {
  return ch === 'm' ? 1048576n : ch === 'k' ? 1024n : 1n;
}

/** parse_bytes: `N[k|m]b/s` as a cost per 16-byte unit; null when the text is not a byte rate. */
function parseBytes(ctx: ParseContext, text: string): bigint | null {
  const at = text.indexOf('b/s');
  if (at <= 0) return null;
  const r = U64(cAtol(text));
  if (r === 0n) return null;
  const bytes = U64(r * factor(text[at - 1]));
  if (BigInt.asUintN(32, (bytes >> 4n) + 1n) === 0n) ctx.fail(`Rate too high "${text}"`);
  const cost = bytesToCost(bytes);
  if (cost === 0n) ctx.fail(`Rate too high "${text}"`);
  return cost;
}

/** parse_burst: a number 1..1000000, or one followed by `k`/`m` (×1024, ×1048576) or other text. */
function parseBurst(ctx: ParseContext, text: string): bigint {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)(.*)$/s.exec(text);
  const bad = (): never => ctx.fail(`bad value for option "--hashlimit-burst", or out of range (1-${BURST_MAX}).`);
  if (!m) return bad();
  const s = m[1]!;
  const v = /^0[xX]/.test(s) ? BigInt(s) : s.length > 1 && s[0] === '0' ? BigInt('0o' + s.slice(1)) : BigInt(s);
  if (v < 1n || v > (1n << 64n) - 1n || (m[2] === '' && v > BURST_MAX)) return bad();
  return U64(v * factor(m[2]![0]));
}

function parseMode(ctx: ParseContext, text: string): number {
  let mode = 0;
  for (const tok of text.split(/[,|]/)) {
    if (tok === '') continue;
    const bit = { dstip: HASHLIMIT.HASH_DIP, srcip: HASHLIMIT.HASH_SIP, srcport: HASHLIMIT.HASH_SPT, dstport: HASHLIMIT.HASH_DPT }[tok];
    if (bit === undefined) ctx.fail(`hashlimit: Bad value for "--hashlimit-mode" option: "${text}" (expected a comma list of srcip, srcport, dstip, dstport)`);
    mode |= bit;
  }
  return mode;
}

function formatBytes(avg: bigint, burst: bigint): { text: string; quantum: number } {
  const units: ReadonlyArray<[string, bigint]> = [['m', 1048576n], ['k', 1024n], ['', 1n]];
  let r = costToBytes(avg);
  let i = 0;
  for (; i < 2; i++) {
    const t = units[i]![1];
    if (r >= t && bytesToCost(r & ~(t - 1n)) === avg) break;
  }
  let text = `${r / units[i]![1]}${units[i]![0]}b/s`;
  if (burst === 0n) return { text, quantum: 15000 };
  r = U64(r * burst);
  for (i = 0; i < 2; i++) if (r >= units[i]![1]) break;
  text += ` --hashlimit-burst ${r / units[i]![1]}${units[i]![0]}b`;
  return { text, quantum: 60000 };
}

/** CREDITS_PER_JIFFY (64-bit) for HZ=250. */
const CPJ = 1n << 39n;
/** CREDITS_PER_JIFFY_BYTES for HZ=250. */
const CPJ_BYTES = 1n << 24n;
/** Default table size on a host with more than 1 GiB of RAM (`htable_create`). */
const DEFAULT_SIZE = 8192;

/**
 * One entry's `rateinfo` union as the kernel lays it out on a 64-bit little-endian machine, so a
 * rate-match rule and a token-bucket rule sharing a table alias the same bytes as they do there:
 * credit/credit_cap/cost at 0/8/16; interval (u32) and prev_window (u32) at 0/4, current_rate at
 * 8, rate at 16, burst (s64) at 24.
 */
class RateInfo {
  private readonly v = new DataView(new ArrayBuffer(32));
  private get64(o: number): bigint { return this.v.getBigUint64(o, true); }
  private set64(o: number, x: bigint): void { this.v.setBigUint64(o, U64(x), true); }
  get credit(): bigint { return this.get64(0); }
  set credit(x: bigint) { this.set64(0, x); }
  get creditCap(): bigint { return this.get64(8); }
  set creditCap(x: bigint) { this.set64(8, x); }
  get cost(): bigint { return this.get64(16); }
  set cost(x: bigint) { this.set64(16, x); }
  get interval(): number { return this.v.getUint32(0, true); }
  set interval(x: number) { this.v.setUint32(0, x >>> 0, true); }
  get prevWindow(): number { return this.v.getUint32(4, true); }
  set prevWindow(x: number) { this.v.setUint32(4, x >>> 0, true); }
  get currentRate(): bigint { return this.get64(8); }
  set currentRate(x: bigint) { this.set64(8, x); }
  get rate(): bigint { return this.get64(16); }
  set rate(x: bigint) { this.set64(16, x); }
  get burst(): bigint { return this.v.getBigInt64(24, true); }
  set burst(x: bigint) { this.v.setBigInt64(24, BigInt.asIntN(64, x), true); }
}

/** One entry (`struct dsthash_ent`). */
export interface HashlimitEntry {
  /** Jiffy at which the collector may free it. */
  expires: number;
  /** Jiffy of the last refill. */
  prev: number;
  rateinfo: RateInfo;
}

/** One table (`struct xt_hashlimit_htable`). */
export interface HashlimitTable {
  /** The creating rule's options. */
  cfg: HashlimitState;
  size: number;
  max: number;
  creatorSeq: number;
  /** Jiffy the table was created (the collector runs every gcinterval from it). */
  created: number;
  /** Jiffy of the last collector run that natsim has applied. */
  lastGc: number;
  entries: Map<string, HashlimitEntry>;
}

/** Per-rule runtime: the rule's place in load order. */
export interface HashlimitRuntime { seq: number }

let loadSeq = 0;

/** The namespace's table of that name and family, if a rule has created it. */
export function hashlimitTable(ctx: PacketContext, family: Family, name: string): HashlimitTable | undefined {
  return ctx.shared<Map<string, HashlimitTable>>('hashlimit', () => new Map()).get(`${family}:${name}`);
}

/** user2credits for revision 3: `user · (HZ·CPJ / 10^6)` in u64. */
function user2credits(user: bigint): bigint {
  return U64(user * CREDITS_FACTOR);
}

/** user2credits_byte: `(u32 user · HZ·CPJ_BYTES) >> 32`. */
function user2creditsByte(user: bigint): bigint {
  return (BigInt.asUintN(32, user) * CREDITS_BYTES) >> 32n;
}

/** The options the table takes from its creator. */
function cfgKey(s: HashlimitState): string {
  return [s.mode, s.avg, s.burst, s.size, s.max, s.gcInterval, s.expire, s.srcmask, s.dstmask, s.interval].join(',');
}

function tableFor(s: HashlimitState, rt: HashlimitRuntime, family: Family, now: number, ctx: PacketContext): HashlimitTable {
  const tables = ctx.shared<Map<string, HashlimitTable>>('hashlimit', () => new Map());
  const key = `${family}:${s.name}`;
  let t = tables.get(key);
  if (!t) {
    const size = s.size || DEFAULT_SIZE;
    const max = s.max === 0 ? 8 * size : Math.max(s.max, size);
    t = { cfg: s, size, max, creatorSeq: rt.seq, created: now, lastGc: now, entries: new Map() };
    tables.set(key, t);
  } else if (rt.seq < t.creatorSeq && cfgKey(s) !== cfgKey(t.cfg)) {
    throw new NatsimError('NOT_IMPLEMENTED', `-m hashlimit: table "${s.name}" was first used by a rule loaded after this one, with another config; the kernel would have created it from this rule`, {}, EXIT_OTHER);
  }
  return t;
}

/** Apply the collector runs up to `now` (`htable_gc`: free entries whose expiry has come). */
function collect(t: HashlimitTable, now: number): void {
  const period = msecsToJiffies(t.cfg.gcInterval);
  const last = t.created + Math.floor((now - t.created) / period) * period;
  if (last <= t.lastGc) return;
  for (const [k, e] of t.entries) if (last >= e.expires) t.entries.delete(k);
  t.lastGc = last;
}

/** `maskl` on one host-order word. */
function maskl(a: number, l: number): number {
  return l ? (a & (~0 << (32 - l))) >>> 0 : 0;
}

/** `hashlimit_ipv6_mask`: keep the first `p` bits. */
function mask6(a: Words, p: number): Words {
  return a.map((w, i) => (p >= 32 * (i + 1) ? w : p <= 32 * i ? 0 : maskl(w, p - 32 * i)));
}

/** `proto_ports_offset`: where the 4 "port" bytes are, or -1 for protocols without them. */
function portsOffset(proto: number): number {
  switch (proto) {
    case 6: case 17: case 33: case 50: case 132: case 136: return 0;
    case 51: return 4;
    default: return -1;
  }
}

/** `hashlimit_init_dst`: the key of the packet under the table's config; null to hotdrop. */
function packetKey(t: HashlimitTable, family: Family, pkt: Packet): string | null {
  const c = t.cfg;
  let src: Words = [], dst: Words = [];
  if (family === 'ipv4') {
    if (c.mode & HASHLIMIT.HASH_DIP) dst = [maskl(pkt.dst[0]!, c.dstmask)];
    if (c.mode & HASHLIMIT.HASH_SIP) src = [maskl(pkt.src[0]!, c.srcmask)];
  } else {
    if (c.mode & HASHLIMIT.HASH_DIP) dst = mask6(pkt.dst, c.dstmask);
    if (c.mode & HASHLIMIT.HASH_SIP) src = mask6(pkt.src, c.srcmask);
  }
  let sport = 0, dport = 0;
  if (c.mode & (HASHLIMIT.HASH_SPT | HASHLIMIT.HASH_DPT)) {
    let proto: number, protoff: number;
    if (family === 'ipv4') {
      // The IP header length, even for a non-first fragment (whose payload is then read as ports).
      proto = pkt.proto;
      protoff = (pkt.data[0]! & 0x0f) * 4;
    } else if (pkt.fragOffset !== 0) {
      proto = 44; // ipv6_skip_exthdr stops at the fragment header of a non-first fragment
      protoff = 0;
    } else {
      if (pkt.proto === 59) return null; // NEXTHDR_NONE: ipv6_skip_exthdr fails
      proto = pkt.proto;
      protoff = pkt.l4Offset;
    }
    const poff = portsOffset(proto);
    if (poff >= 0) {
      const o = protoff + poff;
      if (o + 4 > Math.min(pkt.data.length, pkt.length)) return null;
      sport = (pkt.data[o]! << 8) | pkt.data[o + 1]!;
      dport = (pkt.data[o + 2]! << 8) | pkt.data[o + 3]!;
    }
    if (!(c.mode & HASHLIMIT.HASH_SPT)) sport = 0;
    if (!(c.mode & HASHLIMIT.HASH_DPT)) dport = 0;
  }
  return `${src.join('.')}|${dst.join('.')}|${sport}|${dport}`;
}

/** `rateinfo_init` from the table's config. */
function rateinfoInit(c: HashlimitState): RateInfo {
  const r = new RateInfo();
  if (c.mode & HASHLIMIT.RATE_MATCH) {
    r.prevWindow = 0;
    r.currentRate = 0n;
    if (c.mode & HASHLIMIT.BYTES) {
      const user = BigInt.asUintN(32, c.avg);
      const q = user ? U32_MAX / user : U32_MAX;
      r.rate = U64((q - 1n) << 4n);
      r.burst = c.burst ? U64(c.burst * r.rate) : r.rate;
    } else {
      r.rate = c.avg ? SCALE / c.avg : 0n;
      r.burst = U64(c.burst + r.rate);
    }
    r.interval = c.interval;
  } else if (c.mode & HASHLIMIT.BYTES) {
    r.credit = CREDITS_BYTES;
    r.cost = user2creditsByte(c.avg);
    r.creditCap = c.burst;
  } else {
    r.credit = user2credits(U64(c.avg * c.burst));
    r.cost = user2credits(c.avg);
    r.creditCap = r.credit;
  }
  return r;
}

/** `rateinfo_recalc` with the table's mode. */
function rateinfoRecalc(e: HashlimitEntry, now: number, mode: number): void {
  const delta = BigInt(now - e.prev);
  if (delta === 0n) return;
  const r = e.rateinfo;
  if (mode & HASHLIMIT.RATE_MATCH) {
    const interval = BigInt(Math.imul(r.interval, HZ) >>> 0);
    if (delta < interval) return;
    e.prev = now;
    r.prevWindow = U64(r.currentRate * interval) > U64(delta * r.rate) ? 1 : 0;
    r.currentRate = 0n;
    return;
  }
  e.prev = now;
  let cap: bigint;
  if (mode & HASHLIMIT.BYTES) {
    const tmp = r.credit;
    r.credit = tmp + CPJ_BYTES * delta;
    cap = CREDITS_BYTES;
    if (tmp >= r.credit) { r.credit = cap; return; }
  } else {
    r.credit = r.credit + delta * CPJ;
    cap = r.creditCap;
  }
  if (r.credit > cap) r.credit = cap;
}

/** `hashlimit_byte_cost`: chunks of 16 bytes times the cost, refilling from credit_cap when short. */
function byteCost(len: number, r: RateInfo): bigint {
  let tmp = U64(BigInt((len >>> 4) + 1) * r.cost);
  if (tmp > CREDITS_BYTES) tmp = CREDITS_BYTES;
  if (r.credit < tmp && r.creditCap) {
    r.creditCap = r.creditCap - 1n;
    r.credit = CREDITS_BYTES;
  }
  return BigInt.asUintN(32, tmp);
}

/** `hashlimit_mt_common` for revision 3. */
function hashlimitMatch(s: HashlimitState, pkt: Packet, rt: HashlimitRuntime, ctx: PacketContext): boolean {
  const now = jiffiesAt(ctx.now);
  const t = tableFor(s, rt, ctx.family, now, ctx);
  collect(t, now);
  const key = packetKey(t, ctx.family, pkt);
  if (key === null) { ctx.hotdrop(); return false; }
  const expire = msecsToJiffies(t.cfg.expire);
  let e = t.entries.get(key);
  if (!e) {
    if (t.entries.size >= t.max) { ctx.hotdrop(); return false; }
    e = { expires: now + expire, prev: now, rateinfo: rateinfoInit(t.cfg) };
    t.entries.set(key, e);
  } else {
    e.expires = now + expire;
    rateinfoRecalc(e, now, t.cfg.mode);
  }
  const under = !(s.mode & HASHLIMIT.INVERT);
  const r = e.rateinfo;
  if (s.mode & HASHLIMIT.RATE_MATCH) {
    r.currentRate = r.currentRate + (s.mode & HASHLIMIT.BYTES ? BigInt(pkt.length) : 1n);
    // current_rate (u64) <= burst (s64) compares as unsigned.
    return !r.prevWindow && r.currentRate <= U64(r.burst) ? under : !under;
  }
  const cost = s.mode & HASHLIMIT.BYTES ? byteCost(pkt.length, r) : r.cost;
  if (r.credit >= cost) {
    r.credit = r.credit - cost;
    return under;
  }
  return !under;
}

/** The hashlimit match. */
export const hashlimit: MatchExtension<HashlimitState, HashlimitRuntime> = {
  kind: 'match',
  name: 'hashlimit',
  options: [
    { name: 'hashlimit-upto', args: 1, invert: true },
    { name: 'hashlimit-above', args: 1, invert: true },
    { name: 'hashlimit', args: 1, invert: true },
    { name: 'hashlimit-srcmask', args: 1 },
    { name: 'hashlimit-dstmask', args: 1 },
    { name: 'hashlimit-burst', args: 1 },
    { name: 'hashlimit-htable-size', args: 1 },
    { name: 'hashlimit-htable-max', args: 1 },
    { name: 'hashlimit-htable-gcinterval', args: 1 },
    { name: 'hashlimit-htable-expire', args: 1 },
    { name: 'hashlimit-mode', args: 1 },
    { name: 'hashlimit-name', args: 1 },
    { name: 'hashlimit-rate-match', args: 0 },
    { name: 'hashlimit-rate-interval', args: 1 },
  ],
  create: (ctx) => {
    const plen = ctx.family === 'ipv4' ? 32 : 128;
    return {
      mode: 0, avg: 0n, burst: 5n, size: 0, max: 0, gcInterval: 1000, expire: 0, srcmask: plen, dstmask: plen,
      interval: 0, name: null, mult: 1, given: { rate: null, burst: false, expire: false, rateMatch: false },
    };
  },
  parse(s, opt, [arg], invert, ctx) {
    const a = arg!;
    switch (opt) {
      case 'hashlimit-upto': case 'hashlimit': case 'hashlimit-above': {
        const kind = opt === 'hashlimit-above' ? 'above' : 'upto';
        if (s.given.rate === kind) ctx.fail(`hashlimit: option "--${opt}" can only be used once.`);
        if (s.given.rate !== null) ctx.fail('hashlimit: option "--hashlimit-upto" cannot be used together with "--hashlimit-above".');
        s.given.rate = kind;
        if ((kind === 'above') !== invert) s.mode |= HASHLIMIT.INVERT;
        const cost = parseBytes(ctx, a);
        if (cost !== null) {
          s.avg = cost;
          s.mult = 15;
          s.mode |= HASHLIMIT.BYTES;
          return;
        }
        const r = parseRate(a, SCALE, 64);
        if (r === 'too-fast') return ctx.fail(`Rate too fast "${a}" (at most 1000000/second)`);
        if (r === 'bad') return ctx.fail(`hashlimit: Bad value for "--hashlimit-${kind}" option: "${a}" (expected N[/second|/minute|/hour|/day] or N[k|m]b/s)`);
        s.avg = r.period;
        s.mult = r.mult;
        return;
      }
      case 'hashlimit-srcmask': s.srcmask = needPlen(ctx, opt, ctx.family, a); return;
      case 'hashlimit-dstmask': s.dstmask = needPlen(ctx, opt, ctx.family, a); return;
      case 'hashlimit-burst': s.burst = parseBurst(ctx, a); s.given.burst = true; return;
      case 'hashlimit-htable-size': s.size = Math.min(needUint(ctx, opt, a), MAX_SIZE); return;
      case 'hashlimit-htable-max': s.max = Math.min(needUint(ctx, opt, a), MAX_SIZE); return;
      case 'hashlimit-htable-gcinterval': s.gcInterval = needUint(ctx, opt, a); return;
      case 'hashlimit-htable-expire': s.expire = needUint(ctx, opt, a); s.given.expire = true; return;
      case 'hashlimit-mode': s.mode |= parseMode(ctx, a); return;
      case 'hashlimit-name': {
        if (a === '') ctx.fail('hashlimit: option "--hashlimit-name" must have a minimum length of 1 characters');
        const bytes = Buffer.from(a, 'utf8');
        s.name = bytes.length > NAME_BYTES ? bytes.subarray(0, NAME_BYTES).toString('utf8') : a;
        return;
      }
      case 'hashlimit-rate-match': s.mode |= HASHLIMIT.RATE_MATCH; s.given.rateMatch = true; return;
      case 'hashlimit-rate-interval': {
        const n = cAtoi(a);
        if (n <= 0) ctx.fail(`hashlimit: Bad value for "--hashlimit-rate-interval" option: "${a}" (expected seconds > 0)`);
        s.interval = n;
        return;
      }
    }
  },
  finalCheck(s, ctx) {
    if (s.given.rate === null) ctx.fail('You have to specify --hashlimit (--hashlimit-upto or --hashlimit-above)');
    if (s.name === null) ctx.fail('hashlimit: option "--hashlimit-name" must be specified');
    if (!s.given.expire) s.expire = s.mult * 1000;
    if (s.mode & HASHLIMIT.BYTES) {
      let burst = 0n;
      if (s.given.burst) {
        const unit = costToBytes(s.avg);
        if (s.burst < unit) ctx.fail(`burst cannot be smaller than ${unit}b`);
        burst = BigInt.asUintN(32, s.burst) / unit;
        if (s.burst % unit) burst = BigInt.asUintN(32, burst + 1n);
        if (!s.given.expire) s.expire = 60000;
      }
      s.burst = burst;
    } else if (s.burst > BURST_MAX) {
      ctx.fail(`bad value for option "--hashlimit-burst", or out of range (1-${BURST_MAX}).`);
    }
    if (s.given.rateMatch) {
      if (!(s.mode & HASHLIMIT.BYTES)) s.avg /= BigInt(s.mult);
      if (s.interval === 0) s.interval = s.mode & HASHLIMIT.BYTES ? 1 : s.mult;
    }
  },
  check(s, ctx) {
    const plen = ctx.family === 'ipv4' ? 32 : 128;
    if (s.gcInterval === 0 || s.expire === 0) return 'hashlimit: --hashlimit-htable-gcinterval and --hashlimit-htable-expire must not be 0';
    if (s.srcmask > plen || s.dstmask > plen) return `hashlimit: --hashlimit-srcmask/--hashlimit-dstmask must be at most ${plen}`;
    if (s.mode & HASHLIMIT.RATE_MATCH) {
      if (s.avg === 0n || s.avg > U32_MAX) return 'hashlimit: invalid rate for --hashlimit-rate-match';
      if (s.interval === 0) return 'hashlimit: invalid interval';
    } else if (s.mode & HASHLIMIT.BYTES) {
      if (BigInt.asUintN(32, U64(s.avg * CREDITS_BYTES) >> 32n) === 0n) return `hashlimit: overflow, rate too high: ${s.avg}`;
    } else if (s.burst === 0n || U64(U64(s.avg * s.burst) * CREDITS_FACTOR) < U64(s.avg * CREDITS_FACTOR)) {
      return `hashlimit: overflow, try lower: ${s.avg}/${s.burst} (burst too large for that rate)`;
    }
    const name = s.name ?? '';
    if (name.includes('/') || name === '.' || name === '..') {
      return `hashlimit: name "${name}" cannot be a /proc/net/ip${ctx.family === 'ipv6' ? '6' : ''}t_hashlimit entry (no "/", ".", "..")`;
    }
    return null;
  },
  save(s, family: Family) {
    const plen = family === 'ipv4' ? 32 : 128;
    let out = s.mode & HASHLIMIT.INVERT ? ' --hashlimit-above' : ' --hashlimit-upto';
    let quantum: number;
    if (s.mode & HASHLIMIT.BYTES) {
      const b = formatBytes(s.avg, s.burst);
      out += ` ${b.text}`;
      quantum = b.quantum;
    } else {
      const r = formatRate(s.avg, SCALE);
      out += ` ${r.text} --hashlimit-burst ${s.burst}`;
      quantum = r.unitMs;
    }
    const modes: string[] = [];
    if (s.mode & HASHLIMIT.HASH_SIP) modes.push('srcip');
    if (s.mode & HASHLIMIT.HASH_SPT) modes.push('srcport');
    if (s.mode & HASHLIMIT.HASH_DIP) modes.push('dstip');
    if (s.mode & HASHLIMIT.HASH_DPT) modes.push('dstport');
    if (modes.length) out += ` --hashlimit-mode ${modes.join(',')}`;
    out += ` --hashlimit-name ${s.name}`;
    if (s.size) out += ` --hashlimit-htable-size ${s.size}`;
    if (s.max) out += ` --hashlimit-htable-max ${s.max}`;
    if (s.gcInterval !== 1000) out += ` --hashlimit-htable-gcinterval ${s.gcInterval}`;
    if (s.expire !== quantum) out += ` --hashlimit-htable-expire ${s.expire}`;
    if (s.srcmask !== plen) out += ` --hashlimit-srcmask ${s.srcmask}`;
    if (s.dstmask !== plen) out += ` --hashlimit-dstmask ${s.dstmask}`;
    if (s.mode & HASHLIMIT.RATE_MATCH) {
      out += ' --hashlimit-rate-match';
      if (s.interval !== 1) out += ` --hashlimit-rate-interval ${s.interval}`;
    }
    return out;
  },
  /** The rule's place in load order (which rule would have created a shared table). */
  init: () => ({ seq: ++loadSeq }),
  /** Find or make the packet's entry in the named table, refill it, and test the limit. */
  match: hashlimitMatch,
};
