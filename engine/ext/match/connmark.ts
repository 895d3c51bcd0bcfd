/** PLACEHOLDER for -m connmark; being written. */
import { placeholderMatch } from '../placeholder.js';

export const connmark = placeholderMatch('connmark');
