/** `-j TRACE`: marks the packet for rule tracing and continues (xt_TRACE); raw table only, no options. */
import type { TargetExtension } from '../types.js';

/** The TRACE target. */
export const TRACE: TargetExtension<null> = {
  kind: 'target',
  name: 'TRACE',
  options: [],
  tables: ['raw'],
  create: () => null,
  parse: () => undefined,
  save: () => '',
};
