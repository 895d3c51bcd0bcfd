/** `-j HL` (IPv6): sets, decrements or increments the hop limit, then continues; mangle table only (xt_HL.c `hl_tg6`). */
import { hopLimitTarget } from './hop-limit-target.js';

/** The HL target. */
export const HL = hopLimitTarget('HL', 'hl', 'ipv6');
