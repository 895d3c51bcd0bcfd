/** PLACEHOLDER for -m multiport; being written. */
import { placeholderMatch } from '../placeholder.js';

export const multiport = placeholderMatch('multiport');
