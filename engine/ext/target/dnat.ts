/**
 * `-j DNAT --to-destination [ip[-ip]][:port[-port[/base]]] [--random] [--persistent]`: rewrite the
 * destination of a new connection (nat table, PREROUTING and OUTPUT). iptables 1.8.9 uses
 * revision 2 (`nf_nat_range2`) in both families, so a shifted port map keeps its base port.
 * There is no `--random-fully` for DNAT.
 */
import type { TargetExtension } from '../types.js';
import { emptyNatRange, NAT_FLAG_OPTIONS, parseNatTo, saveNatRange, setNatFlag, type NatRange } from './nat-range.js';

interface DnatState { range: NatRange; given: boolean }

/** The DNAT target. */
export const DNAT: TargetExtension<DnatState> = {
  needsConntrack: true,
  kind: 'target',
  name: 'DNAT',
  options: [{ name: 'to-destination', args: 1 }, NAT_FLAG_OPTIONS.random, NAT_FLAG_OPTIONS.persistent],
  tables: ['nat'],
  hooks: ['PREROUTING', 'OUTPUT'],
  create: (ctx) => ({ range: emptyNatRange(ctx.family), given: false }),
  parse(s, opt, [arg], _invert, ctx) {
    if (opt === 'to-destination') {
      parseNatTo(ctx, arg!, s.range, ctx.family, true);
      s.given = true;
    } else {
      setNatFlag(s.range, opt);
    }
  },
  finalCheck(s, ctx) {
    if (!s.given) ctx.fail('option "--to-destination" must be specified');
  },
  save: (s, family) => saveNatRange(s.range, family, 'to-destination', { portsOnly: false }),
  /** Bind the connection's destination (the engine's NAT core picks the tuple). */
  target: (s, _pkt, _rt, ctx) => ctx.nat!(s.range, 'dnat'),
};
