/** PLACEHOLDER for -m conntrack; being written. */
import { placeholderMatch } from '../placeholder.js';

export const conntrack = placeholderMatch('conntrack');
