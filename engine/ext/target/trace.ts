/** PLACEHOLDER for -j TRACE; being written. */
import { placeholderTarget } from '../placeholder.js';

export const TRACE = placeholderTarget('TRACE');
