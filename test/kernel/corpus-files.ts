/**
 * The corpus files (test/corpus/*.t) as the kernel suite needs them: their cases (read with
 * test/corpus.ts) and their `%` lines — shell commands (ipset creation…) to run in the namespace
 * before the lines that follow them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCorpus, type CorpusCase } from '../corpus.js';

/** One `%` line: the command and its line number. */
export interface ShellLine {
  line: number;
  command: string;
}

/** One corpus file. */
export interface CorpusFile {
  file: string;
  cases: CorpusCase[];
  shell: ShellLine[];
}

/** Folder of the corpus files. */
export const CORPUS_DIR = join(import.meta.dirname, '..', 'corpus');

/** Every corpus file that parses, sorted by name; those that do not are named in `broken`. */
export function loadCorpusFiles(): { files: CorpusFile[]; broken: string[] } {
  const files: CorpusFile[] = [];
  const broken: string[] = [];
  for (const file of readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.t')).sort()) {
    try {
      const text = readFileSync(join(CORPUS_DIR, file), 'utf8');
      const shell: ShellLine[] = [];
      text.split('\n').forEach((l, i) => {
        if (l.startsWith('%')) shell.push({ line: i + 1, command: l.slice(1).trim() });
      });
      files.push({ file, cases: readCorpus(text, file), shell });
    } catch (e) {
      broken.push(`${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { files, broken };
}
