/**
 * `-j SNAT --to-source [ip[-ip]][:port[-port]] [--random] [--random-fully] [--persistent]`:
 * rewrite the source of a new connection (nat table, POSTROUTING and INPUT). `--to` is the
 * getopt abbreviation of `--to-source`. Its structures (IPv4 revision 0, IPv6 revision 1) have no
 * base port: a `/base` is accepted, and saved as `/0`, as iptables 1.8.9 does.
 */
import type { TargetExtension } from '../types.js';
import { emptyNatRange, NAT_FLAG_OPTIONS, parseNatTo, saveNatRange, setNatFlag, type NatRange } from './nat-range.js';

interface SnatState { range: NatRange; given: boolean }

/** The SNAT target. */
export const SNAT: TargetExtension<SnatState> = {
  needsConntrack: true,
  kind: 'target',
  name: 'SNAT',
  options: [
    { name: 'to-source', args: 1 },
    NAT_FLAG_OPTIONS.random, NAT_FLAG_OPTIONS['random-fully'], NAT_FLAG_OPTIONS.persistent,
  ],
  tables: ['nat'],
  hooks: ['POSTROUTING', 'INPUT'],
  create: (ctx) => ({ range: emptyNatRange(ctx.family), given: false }),
  parse(s, opt, [arg], _invert, ctx) {
    if (opt === 'to-source') {
      // Its structure (revision 1) has no base port.
      parseNatTo(ctx, arg!, s.range, ctx.family, false);
      s.given = true;
    } else {
      setNatFlag(s.range, opt);
    }
  },
  finalCheck(s, ctx) {
    if (!s.given) ctx.fail('option "--to-source" must be specified');
  },
  save: (s, family) => saveNatRange(s.range, family, 'to-source', { portsOnly: false }),
  /** Bind the connection's source (the engine's NAT core picks the tuple). */
  target: (s, _pkt, _rt, ctx) => ctx.nat!(s.range, 'snat'),
};
