/** PLACEHOLDER for -m length; being written. */
import { placeholderMatch } from '../placeholder.js';

export const length = placeholderMatch('length');
