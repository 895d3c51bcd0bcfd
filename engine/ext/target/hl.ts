/** PLACEHOLDER for -j HL; being written. */
import { placeholderTarget } from '../placeholder.js';

export const HL = placeholderTarget('HL');
