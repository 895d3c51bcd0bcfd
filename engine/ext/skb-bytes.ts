/**
 * The packet's bytes as the byte-reading matches (`-m u32`, `-m string`) see them: the kernel
 * reads the skb from the network header (`skb->data` at the IP hooks) up to `skb->len`, which is
 * `pkt.length` (IPv4 total length, IPv6 payload length + 40; link padding already trimmed). A
 * capture cut by its snap length holds fewer bytes than that; when an answer depends on bytes
 * the capture does not hold, natsim stops loudly instead of guessing.
 */
import { EXIT_BAD_INPUT, NatsimError } from '../errors.js';
import type { Packet } from '../packet.js';

/** `skb->len` at the IP hooks. */
export function skbLen(p: Packet): number {
  return p.length;
}

/** How many of the skb's first `skbLen` bytes natsim holds (less than it for a cut capture). */
export function heldLen(p: Packet): number {
  return Math.min(p.data.length, p.length);
}

/**
 * The stop for a match whose answer needs bytes [from, to) that the capture cut off: an input
 * error (PARSE, exit 2), as `headerPointer` in header-pointer.ts reports the same gap.
 */
export function beyondCapture(p: Packet, what: string, from: number, to: number): NatsimError {
  return new NatsimError(
    'PARSE',
    `${what} needs bytes ${from}-${to - 1} of a ${skbLen(p)}-byte packet, but the capture holds only its first ${heldLen(p)} bytes (capture with a larger snap length); natsim stops rather than guess`,
    {},
    EXIT_BAD_INPUT,
  );
}
