/**
 * `-j TRACE`: marks the packet for rule tracing and continues (xt_TRACE.c `trace_tg` sets
 * `skb->nf_trace`); raw table only, no options. The TRACE lines themselves are written by the
 * traversal for later matching rules (the TRACE rule itself is not logged).
 */
import { CONTINUE, type TargetExtension } from '../types.js';

/** The TRACE target. */
export const TRACE: TargetExtension<null> = {
  kind: 'target',
  name: 'TRACE',
  options: [],
  tables: ['raw'],
  create: () => null,
  parse: () => undefined,
  save: () => '',
  /** Set `pkt.trace` and continue. */
  target(_s, pkt) {
    pkt.trace = true;
    return CONTINUE;
  },
};
