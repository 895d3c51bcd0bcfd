/** `-j TTL` (IPv4): sets, decrements or increments the TTL (header checksum updated with csum_replace2), then continues; mangle table only (xt_HL.c `ttl_tg`). */
import { hopLimitTarget } from './hop-limit-target.js';

/** The TTL target. */
export const TTL = hopLimitTarget('TTL', 'ttl', 'ipv4');
