/** PLACEHOLDER for -m owner; being written. */
import { placeholderMatch } from '../placeholder.js';

export const owner = placeholderMatch('owner');
