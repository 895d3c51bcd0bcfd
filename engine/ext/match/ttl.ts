/**
 * `-m ttl --ttl-eq|--ttl-lt|--ttl-gt N` (IPv4 only): compares the IP TTL (libipt_ttl, xt_hl.c
 * `ttl_mt`). Packet behaviour: the header's TTL (byte 8) is ==, !=, < or > the value.
 */
import { hopLimitMatch } from '../hoplimit-match.js';

/** The ttl match. */
export const ttl = hopLimitMatch('ttl', 'ipv4', 'TTL');
