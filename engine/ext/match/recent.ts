/**
 * `-m recent`: per-namespace lists of recently seen addresses (libxt_recent revision 1,
 * xt_recent.c `recent_mt_check`). Exactly one action (`--set`, `--rcheck`, `--update`,
 * `--remove`); `--reap` needs `--seconds`; `--set`/`--remove` take no `--seconds`, `--hitcount`,
 * `--rttl` or `--reap`. The defaults are saved spelled out: `--name DEFAULT`, the full `--mask`,
 * `--rsource` (kube-proxy: `--rcheck --seconds 10800 --reap --name KUBE-SEP-X --mask
 * 255.255.255.255 --rsource`).
 */
import type { Family, Words } from '../../net/addr.js';
import { formatAddr, maskFromLength, wordCount } from '../../net/addr.js';
import type { MatchExtension } from '../types.js';
import { needUint } from '../values.js';
import { needHost } from '../hostaddr.js';

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

/** The recent match. */
export const recent: MatchExtension<RecentState> = {
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
};
