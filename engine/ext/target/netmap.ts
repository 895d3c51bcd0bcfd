/**
 * `-j NETMAP --to address[/mask]`: map a whole network one to one, keeping the host bits (nat
 * table, any of its four hooks: the destination at PREROUTING/OUTPUT, the source at
 * POSTROUTING/INPUT). The address is taken with libxtables' host rules (`10.1` is 10.0.0.1),
 * the mask as a prefix length or a mask address (one that is not contiguous counts as all ones),
 * and the base is stored masked: `--to 10.0.0.5/24` saves as `--to 10.0.0.0/24`.
 */
import type { Words } from '../../net/addr.js';
import { applyMask, formatAddr, maskLength } from '../../net/addr.js';
import type { TargetExtension } from '../types.js';
import { emptyNatRange } from './nat-range.js';
import { needHostMask } from '../hostaddr.js';

interface NetmapState { base: Words; mask: Words; given: boolean }

/** The NETMAP target. */
export const NETMAP: TargetExtension<NetmapState> = {
  needsConntrack: true,
  kind: 'target',
  name: 'NETMAP',
  options: [{ name: 'to', args: 1 }],
  tables: ['nat'],
  hooks: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  create: (ctx) => ({ base: [], mask: [], given: false }),
  parse(s, _opt, [arg], _invert, ctx) {
    const { addr, mask } = needHostMask(ctx, 'to', ctx.family, arg!);
    s.base = applyMask(addr, mask);
    s.mask = mask;
    s.given = true;
  },
  finalCheck(s, ctx) {
    if (!s.given) ctx.fail('option "--to" must be specified');
  },
  save: (s, family) => ` --to ${formatAddr(family, s.base)}/${maskLength(s.mask)}`,
  /**
   * `netmap_tg4/6`: keep the host bits of the destination (PREROUTING, OUTPUT) or source
   * (POSTROUTING, INPUT) and replace the network bits by the base's.
   */
  target(s, pkt, _rt, ctx) {
    const dst = ctx.hook === 'PREROUTING' || ctx.hook === 'OUTPUT';
    const old = dst ? pkt.dst : pkt.src;
    const addr = old.map((w, i) => ((w & ~s.mask[i]!) | (s.base[i]! & s.mask[i]!)) >>> 0);
    const range = { ...emptyNatRange(ctx.family), mapIps: true, minAddr: addr, maxAddr: addr.slice() };
    return ctx.nat!(range, 'netmap');
  },
};
