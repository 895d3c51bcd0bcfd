/**
 * `-j LOG`: writes a kernel log line for the packet and continues (xt_LOG, libxt_LOG). Any table,
 * any hook, both families. `--log-level` is 0..7 or a syslog name (exact case) and is saved as a
 * number, the default 4 omitted; `--log-prefix` (at least 1 byte, silently cut to 29) is saved
 * with xtables_save_string; the flags follow in bit order.
 *
 * Packet behaviour (xt_LOG.c `log_tg` → nf_log_syslog.c): the line of `log-format.ts` (prefix,
 * IN=/OUT=, MAC, the packet per protocol, SEQ/ACK with --log-tcp-sequence, TCP and IP options with
 * --log-tcp-options / --log-ip-options, UID/GID of the local socket with --log-uid, MARK= when the
 * mark is not 0) goes to `ctx.log`, then the next rule (XT_CONTINUE). The syslog level is not part
 * of the text. natsim logs in every namespace (as with net.netfilter.nf_log_all_netns=1).
 */
import { CONTINUE, type TargetExtension } from '../types.js';
import { saveString } from '../values.js';
import { xtStrtoul } from '../../net/cnum.js';
import { xtString } from '../xttypes.js';
import { formatLogLine } from './log-format.js';

/** Default level (LOG_WARNING), never printed by iptables-save. */
export const LOG_DEFAULT_LEVEL = 4;

/** Size of `xt_log_info.prefix` (29 bytes and a NUL). */
const PREFIX_SIZE = 30;

/** libxtables' syslog level names (`xtopt_sysloglevel`), compared with strcmp. */
export const SYSLOG_LEVELS: ReadonlyArray<[string, number]> = [
  ['alert', 1], ['crit', 2], ['debug', 7], ['emerg', 0], ['error', 3],
  ['info', 6], ['notice', 5], ['panic', 0], ['warning', 4],
];

/** The XT_LOG_* flag options in bit order, as they are saved. */
export const LOG_FLAGS: ReadonlyArray<[string, number]> = [
  ['log-tcp-sequence', 0x01], ['log-tcp-options', 0x02], ['log-ip-options', 0x04],
  ['log-uid', 0x08], ['log-macdecode', 0x20],
];

/** Parsed options: the kernel's `xt_log_info`. */
export interface LogState { level: number; prefix: string; flags: number }

/** The LOG target. */
export const LOG: TargetExtension<LogState> = {
  kind: 'target',
  name: 'LOG',
  options: [
    { name: 'log-level', args: 1 },
    { name: 'log-prefix', args: 1 },
    ...LOG_FLAGS.map(([name]) => ({ name, args: 0 as const })),
  ],
  create: () => ({ level: LOG_DEFAULT_LEVEL, prefix: '', flags: 0 }),
  parse(s, opt, [arg], _invert, ctx) {
    switch (opt) {
      case 'log-level': {
        const n = xtStrtoul(arg!, 0, 7);
        const named = SYSLOG_LEVELS.find(([name]) => name === arg);
        if (n === null && !named) ctx.fail(`log level "${arg}" unknown (expected 0-7 or one of ${SYSLOG_LEVELS.map(([x]) => x).join(', ')})`);
        s.level = n ?? named![1];
        return;
      }
      case 'log-prefix':
        s.prefix = xtString(ctx, arg!, PREFIX_SIZE, 1);
        if (arg!.includes('\n')) ctx.fail('Newlines not allowed in --log-prefix');
        return;
      default:
        s.flags |= LOG_FLAGS.find(([name]) => name === opt)![1];
    }
  },
  save(s) {
    let out = s.prefix !== '' ? ` --log-prefix ${saveString(s.prefix)}` : '';
    if (s.level !== LOG_DEFAULT_LEVEL) out += ` --log-level ${s.level}`;
    for (const [name, bit] of LOG_FLAGS) if (s.flags & bit) out += ` --${name}`;
    return out;
  },
  /** Log the packet as the kernel would and continue. */
  target(s, pkt, _rt, ctx) {
    ctx.log(formatLogLine(s.prefix, pkt, ctx.host, s.flags));
    return CONTINUE;
  },
};
