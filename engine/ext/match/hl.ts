/**
 * `-m hl --hl-eq|--hl-lt|--hl-gt N` (IPv6 only): compares the hop limit (libip6t_hl, xt_hl.c
 * `hl_mt6`). Packet behaviour: the header's hop limit (byte 7) is ==, !=, < or > the value.
 */
import { hopLimitMatch } from '../hoplimit-match.js';

/** The hl match. */
export const hl = hopLimitMatch('hl', 'ipv6', 'HL');
