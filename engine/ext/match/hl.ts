/** PLACEHOLDER for -m hl; being written. */
import { placeholderMatch } from '../placeholder.js';

export const hl = placeholderMatch('hl');
