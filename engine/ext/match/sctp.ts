/** PLACEHOLDER for -m sctp; being written. */
import { placeholderMatch } from '../placeholder.js';

export const sctp = placeholderMatch('sctp');
