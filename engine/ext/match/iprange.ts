/** PLACEHOLDER for -m iprange; being written. */
import { placeholderMatch } from '../placeholder.js';

export const iprange = placeholderMatch('iprange');
