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
  // With quotes: pieces between special characters are sliced, not copied one by one.
  let buf = '';
  let start = -1;
  let quoted = false;
  let i = 0;
  const flush = (): void => {
    words.push(buf);
    cols.push(start + 1 + colOffset);
    buf = ''; start = -1; quoted = false;
  };
  while (i < n) {
    const ch = line.charCodeAt(i);
    if (ch === 34) {
      // A quoted region: up to the closing quote, `\x` standing for x.
      if (start < 0) start = i;
      quoted = true;
      i++;
      for (;;) {
        let j = i;
        while (j < n) { const d = line.charCodeAt(j); if (d === 34 || d === 92) break; j++; }
        buf += line.slice(i, j);
        if (j >= n) {
          // Unterminated: the rest of the line and its newline belong to the word.
          buf += '\n';
          flush();
          return { words, cols };
        }
        if (line.charCodeAt(j) === 92) {
          if (j + 1 < n) { buf += line[j + 1]; i = j + 2; } else { buf += '\n'; flush(); return { words, cols }; }
          continue;
        }
        i = j + 1;
        break;
      }
      // A closing quote ends the word at once.
      flush();
      continue;
    }
    if (ch === 32 || ch === 9 || ch === 10) {
      if (buf.length > 0 || quoted) flush();
      i++;
      continue;
    }
    let j = i;
    while (j < n) { const d = line.charCodeAt(j); if (d === 32 || d === 9 || d === 10 || d === 34) break; j++; }
    if (start < 0) start = i;
    buf += line.slice(i, j);
    i = j;
  }
  if (buf.length > 0 || quoted) flush();
  return { words, cols };
}
