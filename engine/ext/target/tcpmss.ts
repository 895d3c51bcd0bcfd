/**
 * `-j TCPMSS` (xt_TCPMSS, libxt_TCPMSS): rewrites the MSS option of TCP SYN packets, either to
 * `--set-mss N` or to the path MTU less the headers (`--clamp-mss-to-pmtu`). Any table. The
 * kernel wants `-p tcp` (not inverted) and a tcp match whose `--tcp-flags` comparison contains
 * SYN and is not inverted (only the comparison is looked at, not the mask: `--tcp-flags NONE SYN`
 * passes); clamping is allowed only from FORWARD, OUTPUT and POSTROUTING. The two options do not
 * exclude each other in iptables: the last one given wins.
 */
import type { HookName, TargetExtension } from '../types.js';
import { IPPROTO } from '../values.js';
import { needXtUint } from '../xttypes.js';
import type { TcpState } from '../match/tcp.js';

/** XT_TCPMSS_CLAMP_PMTU: the stored MSS meaning "clamp to the path MTU". */
export const TCPMSS_CLAMP_PMTU = 0xffff;

/** Hooks from which --clamp-mss-to-pmtu may be reached. */
const CLAMP_HOOKS: readonly HookName[] = ['FORWARD', 'OUTPUT', 'POSTROUTING'];

/** TCP SYN flag bit. */
const TCP_SYN = 0x02;

/** Parsed options: the kernel's `xt_tcpmss_info` (null until an option is given). */
export interface TcpmssState { mss: number | null }

/** The TCPMSS target. */
export const TCPMSS: TargetExtension<TcpmssState> = {
  kind: 'target',
  name: 'TCPMSS',
  options: [
    { name: 'set-mss', args: 1 },
    { name: 'clamp-mss-to-pmtu', args: 0 },
  ],
  proto: IPPROTO.TCP,
  create: () => ({ mss: null }),
  parse(s, opt, [arg], _invert, ctx) {
    // The largest MSS is 65535 less the IP header (20 bytes for IPv4, 40 for IPv6).
    if (opt === 'set-mss') s.mss = needXtUint(ctx, opt, arg!, 0, 0xffff - (ctx.family === 'ipv4' ? 20 : 40));
    else s.mss = TCPMSS_CLAMP_PMTU;
  },
  finalCheck(s, ctx) {
    if (s.mss === null) ctx.fail('at least one parameter is required: --set-mss N or --clamp-mss-to-pmtu');
  },
  check(s, ctx) {
    if (s.mss === TCPMSS_CLAMP_PMTU) {
      const bad = [...ctx.hooks].filter((h) => !CLAMP_HOOKS.includes(h));
      if (bad.length) return `path-MTU clamping only supported in FORWARD, OUTPUT and POSTROUTING hooks (used from ${bad.join(', ')})`;
    }
    const syn = ctx.matches.some((m) => {
      if (m.ext.name !== 'tcp') return false;
      const t = m.state as TcpState;
      return (t.flgCmp & TCP_SYN) !== 0 && !t.inv.flags;
    });
    return syn ? null : 'Only works on TCP SYN packets (the rule needs a tcp match such as --tcp-flags SYN,RST SYN or --syn, not inverted)';
  },
  save: (s) => (s.mss === TCPMSS_CLAMP_PMTU ? ' --clamp-mss-to-pmtu' : ` --set-mss ${s.mss}`),
};
