import { describe, expect, it } from 'vitest';
import { tokenizeLine } from '../engine/ruleset/tokenize.js';

const words = (s: string): string[] => tokenizeLine(s).words;

describe('restore tokeniser (add_param_to_argv)', () => {
  it('splits on spaces and tabs', () => {
    expect(words('-A INPUT\t-j  ACCEPT')).toEqual(['-A', 'INPUT', '-j', 'ACCEPT']);
  });
  it('quotes group words and unescape \\x inside quotes only', () => {
    expect(words('--comment "a b" x')).toEqual(['--comment', 'a b', 'x']);
    expect(words('--comment "a\\"b\\\\c"')).toEqual(['--comment', 'a"b\\c']);
    expect(words('--comment a\\b')).toEqual(['--comment', 'a\\b']);
    expect(words("--comment 'a b'")).toEqual(['--comment', "'a", "b'"]);
  });
  it('a closing quote ends the word; "" is an empty word', () => {
    expect(words('"a"b')).toEqual(['a', 'b']);
    expect(words('-j ACCEPT ""')).toEqual(['-j', 'ACCEPT', '']);
    expect(words('x"a b"')).toEqual(['xa b']);
  });
  it('an unterminated quote swallows the rest of the line with its newline', () => {
    expect(words('--comment "abc')).toEqual(['--comment', 'abc\n']);
  });
  it('reports columns', () => {
    expect(tokenizeLine('-A  INPUT').cols).toEqual([1, 5]);
    expect(tokenizeLine('x "a b"', 6).cols).toEqual([7, 9]);
  });
});
