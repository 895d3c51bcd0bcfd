/**
 * `-m recent`: per-namespace lists of recently seen addresses (libxt_recent revision 1,
 * xt_recent.c `recent_mt_check`). Exactly one action (`--set`, `--rcheck`, `--update`,
 * `--remove`); `--reap` needs `--seconds`; `--set`/`--remove` take no `--seconds`, `--hitcount`,
 * `--rttl` or `--reap`. The defaults are saved spelled out: `--name DEFAULT`, the full `--mask`,
 * `--rsource` (kube-proxy: `--rcheck --seconds 10800 --reap --name KUBE-SEP-X --mask
 * 255.255.255.255 --rsource`).
 *
 * Packet behaviour (`recent_mt`): one table per `--name` in the namespace (`ctx.shared`), shared
 * by every rule and both families, keyed by the source (or destination) address ANDed with the
 * mask of the rule that created the table; at most 100 entries (`ip_list_tot`), the least recently
 * updated evicted first. Each entry keeps its timestamps in jiffies (HZ=250). `--set` adds or
 * refreshes and always matches; `--rcheck`/`--update` match when the entry exists (with the TTL
 * under `--rttl`) and, with `--seconds`/`--hitcount`, enough stamps are recent; `--update` then
 * stamps again; `--remove` deletes; `--reap` then drops only the table's least recently updated
 * entry if its newest stamp is older than `--seconds`. All XOR `!`; a missing entry only lets
 * `--set` match. The TTL is counted one higher for forwarded packets (out device, no socket).
 *
 * Where natsim's view differs from the kernel's: the kernel creates the table when the first rule
 * naming it is loaded; natsim creates it when the first such rule sees a packet. Its mask is then
 * that rule's; if an earlier-loaded rule with another mask reaches it later, natsim stops with
 * NOT_IMPLEMENTED rather than key entries with the wrong mask. Stamps are kept retroactively (up
 * to 65536 per entry), so the ring size (`nstamps_max_mask`, the largest any rule needs) never
 * changes an answer; the table is not dropped when a reload removes every rule naming it (the
 * kernel's refcount), and hitcounts above 32768 (where the kernel's u16 ring index wraps) stop
 * with NOT_IMPLEMENTED.
 */
import { NatsimError, EXIT_OTHER } from '../../errors.js';
import type { Family, Words } from '../../net/addr.js';
import { formatAddr, maskFromLength, wordCount } from '../../net/addr.js';
import type { Packet } from '../../packet.js';
import type { MatchExtension, PacketContext } from '../types.js';
import { needUint } from '../values.js';
import { needHost } from '../hostaddr.js';
import { HZ, jiffiesAt } from '../rate.js';

/** The four actions, as the options spell them. */
export type RecentAction = 'set' | 'rcheck' | 'update' | 'remove';

/** XT_RECENT_NAME_LEN: the name is stored in 200 bytes (userspace cuts it to 199). */
const NAME_BYTES = 199;
/** XT_RECENT_MAX_NSTAMPS: `--hitcount` must stay below it. */
export const XT_RECENT_MAX_NSTAMPS = 65536;

/** Parsed options: the kernel's `xt_recent_mtinfo_v1`. */
export interface RecentState {
  action: RecentAction | null;
  invert: boolean;
  /** 0 when not given. */
  seconds: number;
  reap: boolean;
  /** 0 when not given. */
  hitcount: number;
  rttl: boolean;
  name: string;
  /** Null until `--mask`: the family's full mask. */
  mask: Words | null;
  side: 'source' | 'dest';
}

/** `ip_list_tot`: entries per table. */
export const RECENT_LIST_TOT = 100;
/** Stamps kept per entry: enough for any `--hitcount` the kernel accepts. */
const STAMPS_KEPT = XT_RECENT_MAX_NSTAMPS;

/** One remembered address (`struct recent_entry`). */
export interface RecentEntry {
  family: Family;
  /** The masked address. */
  addr: Words;
  ttl: number;
  /** Timestamps in jiffies, oldest first (the newest is `stamps[stamps.length - 1]`). */
  stamps: number[];
}

/** One table (`struct recent_table`). */
export interface RecentTable {
  name: string;
  /** The mask of the creating rule, in its family. */
  mask: Words;
  maskFamily: Family;
  /** Whether the creating rule gave `--mask` (otherwise the full mask). */
  maskGiven: boolean;
  /** Load order of the creating rule. */
  creatorSeq: number;
  /** Entries in LRU order: the first is the least recently updated. */
  entries: Map<string, RecentEntry>;
}

/** Per-rule runtime: the rule's place in load order (init runs in load order). */
export interface RecentRuntime { seq: number }

let loadSeq = 0;

/** The namespace's table of that name, if a rule has created it. */
export function recentTable(ctx: PacketContext, name: string): RecentTable | undefined {
  return ctx.shared<Map<string, RecentTable>>('recent', () => new Map()).get(name);
}

function notModelled(message: string): NatsimError {
  return new NatsimError('NOT_IMPLEMENTED', `-m recent: ${message}`, {}, EXIT_OTHER);
}

function sameWords(a: Words, b: Words): boolean {
  return a.length === b.length && a.every((w, i) => w === b[i]);
}

/** The table for the rule, created with its mask when it is the first to reach it. */
function tableFor(s: RecentState, rt: RecentRuntime, family: Family, ctx: PacketContext): RecentTable {
  const tables = ctx.shared<Map<string, RecentTable>>('recent', () => new Map());
  const mask = s.mask ?? maskFromLength(family, 32 * wordCount(family));
  let t = tables.get(s.name);
  if (!t) {
    t = { name: s.name, mask, maskFamily: family, maskGiven: s.mask !== null, creatorSeq: rt.seq, entries: new Map() };
    tables.set(s.name, t);
  } else if (rt.seq < t.creatorSeq && !(t.maskFamily === family && sameWords(t.mask, mask))) {
    throw notModelled(`list "${s.name}" was first used by a rule loaded after this one, with another mask; the kernel would have created it with this rule's mask`);
  }
  return t;
}

/** The packet's address ANDed with the table's mask (`nf_inet_addr_mask` over the union). */
function maskedAddr(t: RecentTable, family: Family, a: Words): Words {
  if (family === t.maskFamily) return a.map((w, i) => (w & t.mask[i]!) >>> 0);
  if (family === 'ipv4') return [(a[0]! & t.mask[0]!) >>> 0];
  if (t.maskGiven) throw notModelled(`an IPv6 packet on list "${t.name}", which an IPv4 rule with --mask created (the mask's other 96 bits are not modelled)`);
  return a.slice();
}

/** `recent_entry_update`: a new stamp, and the entry moves to the LRU tail. */
function stamp(t: RecentTable, key: string, e: RecentEntry, now: number): void {
  e.stamps.push(now);
  if (e.stamps.length > 2 * STAMPS_KEPT) e.stamps = e.stamps.slice(-STAMPS_KEPT);
  t.entries.delete(key);
  t.entries.set(key, e);
}

/** `recent_mt`. */
function recentMatch(s: RecentState, pkt: Packet, rt: RecentRuntime, ctx: PacketContext): boolean {
  if (s.hitcount > STAMPS_KEPT / 2) {
    throw notModelled(`--hitcount ${s.hitcount} above 32768 (the kernel's 16-bit ring index wraps there)`);
  }
  const family = ctx.family;
  const t = tableFor(s, rt, family, ctx);
  const now = jiffiesAt(ctx.now);
  // The TTL as seen before forwarding: one more for a packet with an out device and no socket.
  let ttl = pkt.ttl;
  if (pkt.outIface !== null && pkt.socket === null) ttl = (ttl + 1) & 0xff;
  const addr = maskedAddr(t, family, s.side === 'dest' ? pkt.dst : pkt.src);
  const key = `${family}/${addr.join('.')}`;
  let ret = s.invert;
  let e = t.entries.get(key);
  if (e && s.rttl && !(ttl === e.ttl || ttl === 0 || e.ttl === 0)) e = undefined;
  if (!e) {
    if (s.action !== 'set') return ret;
    if (t.entries.size >= RECENT_LIST_TOT) t.entries.delete(t.entries.keys().next().value!);
    t.entries.set(key, { family, addr, ttl, stamps: [now] });
    return !ret;
  }
  if (s.action === 'set') {
    ret = !ret;
  } else if (s.action === 'remove') {
    t.entries.delete(key);
    return !ret;
  } else {
    const time = now - s.seconds * HZ;
    let hits = 0;
    for (let i = e.stamps.length - 1; i >= 0; i--) {
      if (s.seconds && time > e.stamps[i]!) break; // stamps are in time order: the rest are older
      if (!s.hitcount || ++hits >= s.hitcount) { ret = !ret; break; }
    }
    if (s.reap) {
      // Only the least recently updated entry of the whole table, and not the one about to be updated.
      const [headKey, head] = t.entries.entries().next().value!;
      if (!(head === e && s.action === 'update' && ret) && time > head.stamps[head.stamps.length - 1]!) t.entries.delete(headKey);
    }
  }
  if (s.action === 'set' || (s.action === 'update' && ret)) {
    stamp(t, key, e, now);
    e.ttl = ttl;
  }
  return ret;
}

/** The recent match. */
export const recent: MatchExtension<RecentState, RecentRuntime> = {
  kind: 'match',
  name: 'recent',
  options: [
    { name: 'set', args: 0, invert: true },
    { name: 'rcheck', args: 0, invert: true },
    { name: 'update', args: 0, invert: true },
    { name: 'remove', args: 0, invert: true },
    { name: 'seconds', args: 1 },
    { name: 'reap', args: 0 },
    { name: 'hitcount', args: 1 },
    { name: 'rttl', args: 0 },
    { name: 'name', args: 1 },
    { name: 'rsource', args: 0 },
    { name: 'rdest', args: 0 },
    { name: 'mask', args: 1 },
  ],
  create: () => ({ action: null, invert: false, seconds: 0, reap: false, hitcount: 0, rttl: false, name: 'DEFAULT', mask: null, side: 'source' }),
  parse(s, opt, [arg], invert, ctx) {
    switch (opt) {
      case 'set': case 'rcheck': case 'update': case 'remove':
        if (s.action !== null) ctx.fail(`recent: option "--${opt}" cannot be used together with "--${s.action}" (exactly one action per rule)`);
        s.action = opt;
        if (invert) s.invert = true;
        return;
      case 'seconds': s.seconds = needUint(ctx, 'seconds', arg!, 1); return;
      case 'reap': s.reap = true; return;
      case 'hitcount': s.hitcount = needUint(ctx, 'hitcount', arg!); return;
      case 'rttl': s.rttl = true; return;
      case 'name': {
        const bytes = Buffer.from(arg!, 'utf8');
        s.name = bytes.length > NAME_BYTES ? bytes.subarray(0, NAME_BYTES).toString('utf8') : arg!;
        return;
      }
      case 'rsource': s.side = 'source'; return;
      case 'rdest': s.side = 'dest'; return;
      case 'mask': s.mask = needHost(ctx, 'mask', ctx.family, arg!); return;
    }
  },
  finalCheck(s, ctx) {
    if (s.action === null) ctx.fail("recent: you must specify one of `--set', `--rcheck' `--update' or `--remove'");
    if (s.reap && s.seconds === 0) ctx.fail('recent: option "--reap" also requires "--seconds".');
    if (s.rttl && (s.action === 'set' || s.action === 'remove')) {
      ctx.fail(`recent: option "--rttl" cannot be used together with "--${s.action}".`);
    }
  },
  check(s) {
    if ((s.action === 'set' || s.action === 'remove') && (s.seconds || s.hitcount || s.rttl || s.reap)) {
      return `recent: --${s.action} takes no --seconds, --hitcount, --rttl or --reap`;
    }
    if (s.hitcount >= XT_RECENT_MAX_NSTAMPS) {
      return `recent: hitcount (${s.hitcount}) is larger than allowed maximum (${XT_RECENT_MAX_NSTAMPS - 1})`;
    }
    if (s.name === '') return 'recent: the list name must not be empty';
    if (s.name.includes('/') || s.name === '.' || s.name === '..') {
      return `recent: list name "${s.name}" cannot be a /proc/net/xt_recent entry (no "/", ".", "..")`;
    }
    return null;
  },
  save(s, family: Family) {
    const mask = s.mask ?? maskFromLength(family, 32 * wordCount(family));
    let out = `${s.invert ? ' !' : ''} --${s.action}`;
    if (s.seconds) out += ` --seconds ${s.seconds}`;
    if (s.reap) out += ' --reap';
    if (s.hitcount) out += ` --hitcount ${s.hitcount}`;
    if (s.rttl) out += ' --rttl';
    out += ` --name ${s.name} --mask ${formatAddr(family, mask)}`;
    out += s.side === 'source' ? ' --rsource' : ' --rdest';
    return out;
  },
  /** The rule's place in load order (which rule would have created a shared table). */
  init: () => ({ seq: ++loadSeq }),
  /** Look the address up in the named list and act (`recent_mt`). */
  match: recentMatch,
};
