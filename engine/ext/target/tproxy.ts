/**
 * `-j TPROXY --on-port port [--on-ip addr] [--tproxy-mark value[/mask]]`: deliver the packet to a
 * local socket without changing it (mangle table, PREROUTING only; the rule must say `-p tcp` or
 * `-p udp`, not inverted, a kernel check at COMMIT). iptables 1.8.9 uses revision 1 in both
 * families and always saves all three options (`--on-ip 0.0.0.0` / `::`, mark `0x0/0x0` when
 * not given). The port is read as getaddrinfo reads a service: decimal, modulo 65536, or a name.
 */
import type { Words } from '../../net/addr.js';
import { formatAddr } from '../../net/addr.js';
import type { CheckContext, ParseContext, TargetExtension } from '../types.js';
import { hex, IPPROTO } from '../values.js';
import { needHost } from '../hostaddr.js';
import { needMarkMask32, serviceByName } from '../xtopt.js';

interface TproxyState { port: number; addr: Words; markValue: number; markMask: number; given: boolean }

/**
 * xtables_getportbyname → getaddrinfo(NULL, text): glibc reads a decimal `strtoul` over the whole
 * text (leading white space and a sign allowed) and keeps it as an int; a negative int or any
 * other text is looked up as a service name. The port is the low 16 bits.
 */
function needServicePort(ctx: ParseContext, text: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)$/.exec(text);
  if (m) {
    let v = m[2] === '' ? 0n : BigInt(m[2]!);
    if (v > 0xffffffffffffffffn) v = 0xffffffffffffffffn;
    else if (m[1] === '-') v = (0x10000000000000000n - v) & 0xffffffffffffffffn;
    const asInt = Number(BigInt.asIntN(32, v));
    if (asInt >= 0) return asInt & 0xffff;
  }
  const p = m ? null : serviceByName(text);
  if (p === null) return ctx.fail(`Port "${text}" does not resolve to anything (expected a decimal port or a service name)`);
  return p;
}

/** The TPROXY target. */
export const TPROXY: TargetExtension<TproxyState> = {
  needsDefrag: true,
  kind: 'target',
  name: 'TPROXY',
  options: [
    { name: 'on-port', args: 1 },
    { name: 'on-ip', args: 1 },
    { name: 'tproxy-mark', args: 1 },
  ],
  tables: ['mangle'],
  hooks: ['PREROUTING'],
  create: (ctx) => ({ port: 0, addr: ctx.family === 'ipv4' ? [0] : [0, 0, 0, 0], markValue: 0, markMask: 0, given: false }),
  parse(s, opt, [arg], _invert, ctx) {
    switch (opt) {
      case 'on-port':
        s.port = needServicePort(ctx, arg!);
        s.given = true;
        return;
      case 'on-ip':
        s.addr = needHost(ctx, 'on-ip', ctx.family, arg!);
        return;
      case 'tproxy-mark': {
        const m = needMarkMask32(ctx, 'tproxy-mark', arg!);
        s.markValue = m.value;
        s.markMask = m.mask;
        return;
      }
    }
  },
  finalCheck(s, ctx) {
    if (!s.given) ctx.fail('option "--on-port" must be specified');
  },
  check(_s, ctx: CheckContext) {
    const p = ctx.header.proto;
    if ((p === IPPROTO.TCP || p === IPPROTO.UDP) && !ctx.header.protoInv) return null;
    return 'TPROXY can be used only with -p tcp or -p udp';
  },
  save: (s, family) => ` --on-port ${s.port} --on-ip ${formatAddr(family, s.addr)} --tproxy-mark ${hex(s.markValue)}/${hex(s.markMask)}`,
};
