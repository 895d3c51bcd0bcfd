/**
 * `-m hashlimit` (revision 3): a token bucket per hash key (source/destination address, masked
 * to `--hashlimit-srcmask/dstmask`, and ports, as `--hashlimit-mode` says), in packets
 * (`N/unit`) or bytes (`Nb/s`, `Nkb/s`, `Nmb/s`) per second (libxt_hashlimit, xt_hashlimit.c
 * `hashlimit_mt_check_common`). Saved with its defaults spelled out (`--hashlimit-burst 5`); the
 * expiry is printed when it differs from the printed rate's unit. `--hashlimit-name` is required.
 */
import type { Family } from '../../net/addr.js';
import type { MatchExtension, ParseContext } from '../types.js';
import { needUint } from '../values.js';
import { cAtoi, cAtol, formatRate, parseRate } from '../rate.js';
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

/** The hashlimit match. */
export const hashlimit: MatchExtension<HashlimitState> = {
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
};
