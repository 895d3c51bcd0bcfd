/** PLACEHOLDER for -m tcpmss; being written. */
import { placeholderMatch } from '../placeholder.js';

export const tcpmss = placeholderMatch('tcpmss');
