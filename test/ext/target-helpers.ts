/** Shared helper for the target tests: run one rule of a table at the context's hook (policy ACCEPT). */
import type { Packet } from '../../engine/packet.js';
import { runRules, type TestContext } from '../helpers/engine.js';

/** Load `-A HOOK <rule>` into the context's table (policy ACCEPT) and run the packet through it. */
export function runRule(rule: string, p: Packet, c: TestContext) {
  return runRules(`*${c.table}\n:${c.hook} ACCEPT [0:0]\n-A ${c.hook} ${rule}\nCOMMIT\n`, p, c);
}
