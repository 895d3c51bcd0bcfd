/**
 * `-j REDIRECT [--to-ports port[-port]] [--random]`: DNAT to the local address of the incoming
 * interface (127.0.0.1 / ::1 for locally generated packets); nat table, PREROUTING and OUTPUT.
 * A shifted port map (`/base`) is refused, as iptables 1.8.9 refuses it for this target.
 */
import type { TargetExtension } from '../types.js';
import { emptyNatRange, NAT_FLAG_OPTIONS, parseNatPorts, saveNatRange, setNatFlag, type NatRange } from './nat-range.js';

interface RedirectState { range: NatRange }

/** The REDIRECT target. */
export const REDIRECT: TargetExtension<RedirectState> = {
  needsConntrack: true,
  kind: 'target',
  name: 'REDIRECT',
  options: [{ name: 'to-ports', args: 1 }, NAT_FLAG_OPTIONS.random],
  tables: ['nat'],
  hooks: ['PREROUTING', 'OUTPUT'],
  create: (ctx) => ({ range: emptyNatRange(ctx.family) }),
  parse(s, opt, [arg], _invert, ctx) {
    if (opt === 'to-ports') parseNatPorts(ctx, arg!, s.range, false);
    else setNatFlag(s.range, opt);
  },
  finalCheck(s, ctx) {
    if (s.range.offset) ctx.fail('Shifted portmap ranges not supported with this kernel (REDIRECT takes no /base port)');
  },
  save: (s, family) => saveNatRange(s.range, family, 'to-ports', { portsOnly: true }),
  /** Bind the connection's destination (the engine's NAT core picks the tuple). */
  target: (s, _pkt, _rt, ctx) => ctx.nat!(s.range, 'redirect'),
};
