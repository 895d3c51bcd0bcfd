/**
 * Save texts compared table by table: iptables-legacy prints the newest table first, so a dump
 * restored and saved again lists its tables in the opposite order (the kernel does the same);
 * each table's block must still be identical.
 */

/** The `*table … COMMIT` blocks of a save text, by table name, `#` lines dropped. */
export function tableBlocks(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const block of text.split('\n').filter((l) => !l.startsWith('#')).join('\n').split(/(?=^\*)/m)) {
    const name = /^\*(\S+)/.exec(block)?.[1];
    if (name) out[name] = block.endsWith('\n') ? block : block + '\n';
  }
  return out;
}
