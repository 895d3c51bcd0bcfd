/**
 * iptables-restore's tokeniser (`add_param_to_argv`): splits one command line into words.
 * Spaces, tabs and newlines separate words; `"` opens and closes a quoted region in which `\x`
 * stands for `x`; a closing quote ends the word at once (`"a"b` is `a`, `b`; `""` is an empty
 * word); outside quotes `\` and `'` are ordinary. An unterminated quote swallows the rest of the
 * line, its newline included.
 */

/** The words of a line and the 1-based column where each starts (parallel arrays). */
export interface Words {
  words: string[];
  cols: number[];
}

/** Just the words of a line (the loader's fast path; columns are recomputed only for errors). */
export function splitWords(line: string): string[] {
  if (line.indexOf('"') >= 0) return tokenizeLine(line).words;
  const words: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    let c = line.charCodeAt(i);
    while (c === 32 || c === 9 || c === 10) {
      if (++i >= n) return words;
      c = line.charCodeAt(i);
    }
    const start = i;
    while (i < n && c !== 32 && c !== 9 && c !== 10) c = line.charCodeAt(++i);
    words.push(line.slice(start, i));
  }
  return words;
}

/** Split a line (without its trailing newline) into words, as iptables-restore does. */
export function tokenizeLine(line: string, colOffset = 0): Words {
  const words: string[] = [];
  const cols: number[] = [];
  const n = line.length;
  // Fast path: no quote characters at all.
  if (line.indexOf('"') < 0) {
    let i = 0;
    while (i < n) {
      let c = line.charCodeAt(i);
      while (c === 32 || c === 9 || c === 10) {
        if (++i >= n) return { words, cols };
        c = line.charCodeAt(i);
      }
      const start = i;
      while (i < n && c !== 32 && c !== 9 && c !== 10) c = line.charCodeAt(++i);
      words.push(line.slice(start, i));
      cols.push(start + 1 + colOffset);
    }
    return { words, cols };
  }
  let buf = '';
  let start = -1;
  let inQuote = false;
  let escaped = false;
  let quoted = false;
  const text = line + '\n';
  const flush = (): void => {
    words.push(buf);
    cols.push(start + 1 + colOffset);
    buf = ''; start = -1; quoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inQuote) {
      if (escaped) { buf += ch; escaped = false; continue; }
      if (ch === '\\') { escaped = true; continue; }
      if (ch === '"') { inQuote = false; flush(); continue; }
      buf += ch;
      continue;
    }
    if (ch === '"') {
      inQuote = true;
      quoted = true;
      if (start < 0) start = i;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\n') {
      if (buf.length === 0 && !quoted) continue;
      flush();
      continue;
    }
    if (start < 0) start = i;
    buf += ch;
  }
  if (inQuote) flush();
  return { words, cols };
}
