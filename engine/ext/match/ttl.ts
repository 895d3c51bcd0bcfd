/** PLACEHOLDER for -m ttl; being written. */
import { placeholderMatch } from '../placeholder.js';

export const ttl = placeholderMatch('ttl');
