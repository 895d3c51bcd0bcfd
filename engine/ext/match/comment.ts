/** `-m comment --comment TEXT`: annotates a rule, never affects matching (libxt_comment). */
import type { MatchExtension } from '../types.js';
import { saveString } from '../values.js';

/** Longest comment the kernel stores (XT_MAX_COMMENT_LEN − 1 bytes); longer text is cut silently. */
const MAX_COMMENT_BYTES = 255;

interface CommentState { text: string | null }

/** The comment match. */
export const comment: MatchExtension<CommentState> = {
  kind: 'match',
  name: 'comment',
  options: [{ name: 'comment', args: 1 }],
  create: () => ({ text: null }),
  parse(s, _opt, [arg]) {
    const bytes = Buffer.from(arg!, 'utf8');
    s.text = bytes.length > MAX_COMMENT_BYTES ? bytes.subarray(0, MAX_COMMENT_BYTES).toString('utf8') : arg!;
  },
  finalCheck(s, ctx) {
    if (s.text === null) ctx.fail('option "--comment" must be specified');
  },
  save: (s) => ` --comment ${saveString(s.text!)}`,
  match: () => true,
};
