/**
 * `-j MASQUERADE [--to-ports port[-port]] [--random] [--random-fully]`: SNAT to the address of
 * the outgoing interface (nat table, POSTROUTING only). Like SNAT, its structure has no base port,
 * so a `/base` is saved as `/0`.
 */
import type { TargetExtension } from '../types.js';
import { emptyNatRange, NAT_FLAG_OPTIONS, parseNatPorts, saveNatRange, setNatFlag, type NatRange } from './nat-range.js';

interface MasqueradeState { range: NatRange }

/** The MASQUERADE target. */
export const MASQUERADE: TargetExtension<MasqueradeState> = {
  needsConntrack: true,
  kind: 'target',
  name: 'MASQUERADE',
  options: [{ name: 'to-ports', args: 1 }, NAT_FLAG_OPTIONS.random, NAT_FLAG_OPTIONS['random-fully']],
  tables: ['nat'],
  hooks: ['POSTROUTING'],
  create: (ctx) => ({ range: emptyNatRange(ctx.family) }),
  parse(s, opt, [arg], _invert, ctx) {
    // Its structure has no base port (the range the kernel builds from it leaves the field
    // unset, zero on the kernels measured).
    if (opt === 'to-ports') parseNatPorts(ctx, arg!, s.range, false);
    else setNatFlag(s.range, opt);
  },
  save: (s, family) => saveNatRange(s.range, family, 'to-ports', { portsOnly: true }),
  /** Bind the connection's source (the engine's NAT core picks the tuple). */
  target: (s, _pkt, _rt, ctx) => ctx.nat!(s.range, 'masquerade'),
};
