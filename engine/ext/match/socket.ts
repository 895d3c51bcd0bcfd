/**
 * `-m socket` (revision 3, the one iptables 1.8.9 picks on this kernel; libxt_socket,
 * xt_socket.c): the packet belongs to a local socket found by a socket lookup —
 * `--transparent` only IP_TRANSPARENT sockets, `--nowildcard` also listeners bound to the any
 * address, `--restore-skmark` copies the socket's mark to the packet. Every revision is allowed
 * only from PREROUTING and INPUT; no option can be inverted.
 *
 * Packet behaviour: none. `socket_mt` looks the packet up in the node's TCP/UDP socket tables
 * (established, then listening; `--nowildcard`, `--transparent` and `--restore-skmark` all read
 * the socket found), and natsim has no model of local sockets, so no answer would be exact:
 * `match` is left absent and the engine stops with NOT_IMPLEMENTED rather than guess.
 */
import type { MatchExtension } from '../types.js';

/** The kernel's XT_SOCKET_* flag bits. */
export const SOCKET_FLAG = { TRANSPARENT: 0x1, NOWILDCARD: 0x2, RESTORESKMARK: 0x4 } as const;

/** Parsed options: the kernel's `xt_socket_mtinfo3` flags. */
export interface SocketState { flags: number }

/** The socket match. */
export const socket: MatchExtension<SocketState> = {
  needsDefrag: true,
  kind: 'match',
  name: 'socket',
  options: [
    { name: 'transparent', args: 0 },
    { name: 'nowildcard', args: 0 },
    { name: 'restore-skmark', args: 0 },
  ],
  hooks: ['PREROUTING', 'INPUT'],
  create: () => ({ flags: 0 }),
  parse(s, opt) {
    s.flags |= opt === 'transparent' ? SOCKET_FLAG.TRANSPARENT : opt === 'nowildcard' ? SOCKET_FLAG.NOWILDCARD : SOCKET_FLAG.RESTORESKMARK;
  },
  save(s) {
    let out = '';
    if (s.flags & SOCKET_FLAG.TRANSPARENT) out += ' --transparent';
    if (s.flags & SOCKET_FLAG.NOWILDCARD) out += ' --nowildcard';
    if (s.flags & SOCKET_FLAG.RESTORESKMARK) out += ' --restore-skmark';
    return out;
  },
};
