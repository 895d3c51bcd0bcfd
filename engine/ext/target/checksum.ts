/**
 * `-j CHECKSUM --checksum-fill`: computes a missing (offloaded) layer-4 checksum and continues
 * (xt_CHECKSUM). Mangle table only; the option is mandatory.
 */
import type { TargetExtension } from '../types.js';

/** Parsed options: whether XT_CHECKSUM_OP_FILL is set. */
export interface ChecksumState { fill: boolean }

/** The CHECKSUM target. */
export const CHECKSUM: TargetExtension<ChecksumState> = {
  kind: 'target',
  name: 'CHECKSUM',
  options: [{ name: 'checksum-fill', args: 0 }],
  tables: ['mangle'],
  create: () => ({ fill: false }),
  parse(s) {
    s.fill = true;
  },
  finalCheck(s, ctx) {
    if (!s.fill) ctx.fail('option "--checksum-fill" must be specified');
  },
  save: (s) => (s.fill ? ' --checksum-fill' : ''),
};
