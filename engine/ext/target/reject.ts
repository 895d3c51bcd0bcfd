/** PLACEHOLDER for -j REJECT; being written. */
import { placeholderTarget } from '../placeholder.js';

export const REJECT = placeholderTarget('REJECT');
