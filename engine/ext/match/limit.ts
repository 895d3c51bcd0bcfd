/** PLACEHOLDER for -m limit; being written. */
import { placeholderMatch } from '../placeholder.js';

export const limit = placeholderMatch('limit');
