/**
 * iptables-restore's tokeniser (`add_param_to_argv`): splits one command line into words.
 * Spaces, tabs and newlines separate words; `"` opens and closes a quoted region in which `\x`
 * stands for `x`; a closing quote ends the word at once (`"a"b` is `a`, `b`; `""` is an empty
 * word); outside quotes `\` and `'` are ordinary. An unterminated quote swallows the rest of the
 * line, its newline included.
 */

/** A word and the 1-based column where it starts. */
export interface Token {
  text: string;
  col: number;
  /** The word came (at least partly) from a quoted region. */
  quoted: boolean;
}

/** Split a line (without its trailing newline) into words, as iptables-restore does. */
export function tokenizeLine(line: string): Token[] {
  const out: Token[] = [];
  // Fast path: no quote characters at all.
  if (line.indexOf('"') < 0) {
    const n = line.length;
    let i = 0;
    while (i < n) {
      let c = line.charCodeAt(i);
      while (i < n && (c === 32 || c === 9 || c === 10)) c = line.charCodeAt(++i);
      if (i >= n) break;
      const start = i;
      while (i < n && c !== 32 && c !== 9 && c !== 10) c = line.charCodeAt(++i);
      out.push({ text: line.slice(start, i), col: start + 1, quoted: false });
    }
    return out;
  }
  let buf = '';
  let start = -1;
  let inQuote = false;
  let escaped = false;
  let quoted = false;
  const text = line + '\n';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inQuote) {
      if (escaped) { buf += ch; escaped = false; continue; }
      if (ch === '\\') { escaped = true; continue; }
      if (ch === '"') {
        inQuote = false;
        out.push({ text: buf, col: start + 1, quoted: true });
        buf = ''; start = -1; quoted = false;
        continue;
      }
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
      out.push({ text: buf, col: start + 1, quoted });
      buf = ''; start = -1; quoted = false;
      continue;
    }
    if (start < 0) start = i;
    buf += ch;
  }
  if (inQuote) out.push({ text: buf, col: start + 1, quoted: true });
  return out;
}
