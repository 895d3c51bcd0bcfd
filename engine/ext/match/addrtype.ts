/** PLACEHOLDER for -m addrtype; being written. */
import { placeholderMatch } from '../placeholder.js';

export const addrtype = placeholderMatch('addrtype');
