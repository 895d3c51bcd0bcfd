/**
 * `-j NFLOG`: hands the packet to nfnetlink_log group N and continues (xt_NFLOG, libxt_NFLOG).
 * Any table and hook, both families. Saved as `--nflog-prefix` (xtables_save_string, at least 1
 * byte, silently cut to 63), `--nflog-group` when not 0, `--nflog-size` whenever it was given or
 * else `--nflog-range` when not 0 (the two exclude each other), `--nflog-threshold` when not 0.
 *
 * Packet behaviour (xt_NFLOG.c `nflog_tg`): the packet is handed to nfnetlink_log and the next rule
 * follows (XT_CONTINUE). natsim has no netlink listener; it records one log line
 * `NFLOG group=N prefix="P": ` followed by the packet in LOG's format (log-format.ts, no option
 * flags), which is what a ulogd LOGEMU reader of the group would print after its timestamp.
 * Size, range and threshold only shape the netlink messages and change nothing on the packet.
 */
import { CONTINUE, type TargetExtension } from '../types.js';
import { saveString } from '../values.js';
import { needXtUint, xtString } from '../xttypes.js';
import { formatLogLine } from './log-format.js';

/** Size of `xt_nflog_info.prefix`. */
const PREFIX_SIZE = 64;

/** Parsed options: the kernel's `xt_nflog_info` (`copyLen` is XT_NFLOG_F_COPY_LEN). */
export interface NflogState {
  group: number;
  prefix: string;
  len: number;
  threshold: number;
  copyLen: boolean;
  rangeGiven: boolean;
}

/** The NFLOG target. */
export const NFLOG: TargetExtension<NflogState> = {
  kind: 'target',
  name: 'NFLOG',
  options: [
    { name: 'nflog-group', args: 1 },
    { name: 'nflog-prefix', args: 1 },
    { name: 'nflog-range', args: 1 },
    { name: 'nflog-size', args: 1 },
    { name: 'nflog-threshold', args: 1 },
  ],
  create: () => ({ group: 0, prefix: '', len: 0, threshold: 0, copyLen: false, rangeGiven: false }),
  parse(s, opt, [arg], _invert, ctx) {
    switch (opt) {
      case 'nflog-group': s.group = needXtUint(ctx, opt, arg!, 0, 0xffff); return;
      case 'nflog-threshold': s.threshold = needXtUint(ctx, opt, arg!, 0, 0xffff); return;
      case 'nflog-prefix':
        s.prefix = xtString(ctx, arg!, PREFIX_SIZE, 1);
        if (arg!.includes('\n')) ctx.fail('Newlines not allowed in --log-prefix');
        return;
      case 'nflog-range':
        s.len = needXtUint(ctx, opt, arg!, 0, 0xffffffff);
        s.rangeGiven = true;
        return;
      case 'nflog-size':
        s.len = needXtUint(ctx, opt, arg!, 0, 0xffffffff);
        s.copyLen = true;
        return;
    }
  },
  finalCheck(s, ctx) {
    if (s.rangeGiven && s.copyLen) ctx.fail('option "--nflog-range" cannot be used together with "--nflog-size"');
  },
  save(s) {
    let out = s.prefix !== '' ? ` --nflog-prefix ${saveString(s.prefix)}` : '';
    if (s.group) out += ` --nflog-group ${s.group}`;
    if (s.copyLen) out += ` --nflog-size ${s.len}`;
    else if (s.len) out += ` --nflog-range ${s.len}`;
    if (s.threshold) out += ` --nflog-threshold ${s.threshold}`;
    return out;
  },
  /** Record the NFLOG line (group, prefix, packet) and continue. */
  target(s, pkt, _rt, ctx) {
    ctx.log(`NFLOG group=${s.group} prefix=${JSON.stringify(s.prefix)}: ${formatLogLine(s.prefix, pkt, ctx.host, 0)}`);
    return CONTINUE;
  },
};
