/**
 * The connection tracker: tuples, the table and its protocol trackers, and `conntrack -L`
 * formatting. See `table.ts` for how the engine drives it hook by hook.
 */
export * from './tuple.js';
export * from './entry.js';
export * from './table.js';
export * from './format.js';
export * from './packet.js';
export { TCP_STATE, TCP_STATE_NAMES, TCP_INDEX, DEFAULT_TCP_TIMEOUTS, tcpNextState, tcpSegmentIndex, tcpFlagsValid, type TcpState } from './tcp.js';
export { icmpIsError, icmpCanCreate, relatedToQuoted, type IcmpErrorResult, type TupleFinder } from './icmp.js';
export { icmpv6CanCreate } from './icmpv6.js';
export { UDP_STREAM_DELAY_MS } from './udp.js';
