/** PLACEHOLDER for -j NOTRACK; being written. */
import { placeholderTarget } from '../placeholder.js';

export const NOTRACK = placeholderTarget('NOTRACK');
