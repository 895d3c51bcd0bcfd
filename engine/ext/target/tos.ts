/** PLACEHOLDER for -j TOS; being written. */
import { placeholderTarget } from '../placeholder.js';

export const TOS = placeholderTarget('TOS');
