/** PLACEHOLDER for -m string; being written. */
import { placeholderMatch } from '../placeholder.js';

export const string = placeholderMatch('string');
