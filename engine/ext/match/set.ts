/** PLACEHOLDER for -m set; being written. */
import { placeholderMatch } from '../placeholder.js';

export const set = placeholderMatch('set');
