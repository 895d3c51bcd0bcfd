/**
 * `-j DSCP` (xt_DSCP, libxt_DSCP): sets the 6-bit DSCP of the IPv4 TOS / IPv6 traffic class.
 * Mangle table only. `--set-dscp N` (0..63) or `--set-dscp-class NAME` (CSx, BE, AFxy, EF, matched
 * as the dscp match does), one of them; saved as `--set-dscp 0xNN`.
 *
 * Packet behaviour (`dscp_tg`, `dscp_tg6`): when the DSCP (top six bits) differs, it is replaced
 * and the two ECN bits kept (`ipv4_change_dsfield` with its incremental IPv4 checksum update, or
 * `ipv6_change_dsfield`); `pkt.tos` follows. Then the next rule.
 */
import { CONTINUE, type TargetExtension } from '../types.js';
import { needXtUint } from '../xttypes.js';
import { DSCP_CLASSES, dscpClass } from '../match/dscp.js';
import { changeDsfield, getDsfield } from './ip-header-rewrite.js';

/** XT_DSCP_MAX. */
const DSCP_MAX = 0x3f;

/** Parsed options: the kernel's `xt_DSCP_info` (null until an option is given). */
export interface DscpTargetState { dscp: number | null; op: string | null }

/** The DSCP target. */
export const DSCP: TargetExtension<DscpTargetState> = {
  kind: 'target',
  name: 'DSCP',
  options: [
    { name: 'set-dscp', args: 1 },
    { name: 'set-dscp-class', args: 1 },
  ],
  tables: ['mangle'],
  create: () => ({ dscp: null, op: null }),
  parse(s, opt, [arg], _invert, ctx) {
    if (s.op !== null) ctx.fail(`option "--${opt}" cannot be used together with "--${s.op}"`);
    s.op = opt;
    s.dscp = opt === 'set-dscp'
      ? needXtUint(ctx, opt, arg!, 0, DSCP_MAX)
      : dscpClass(arg!) ?? ctx.fail(`Invalid DSCP value \`${arg}' (expected one of ${DSCP_CLASSES.map(([n]) => n).join(', ')})`);
  },
  finalCheck(s, ctx) {
    if (s.dscp === null) ctx.fail('parameter --set-dscp (or --set-dscp-class) is required');
  },
  save: (s) => ` --set-dscp 0x${s.dscp!.toString(16).padStart(2, '0')}`,
  /** Rewrite the DSCP bits (ECN kept); continue. */
  target(s, pkt) {
    if (getDsfield(pkt) >>> 2 !== s.dscp) changeDsfield(pkt, 0x03, s.dscp! << 2);
    return CONTINUE;
  },
};
