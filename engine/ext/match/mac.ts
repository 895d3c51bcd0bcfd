/** PLACEHOLDER for -m mac; being written. */
import { placeholderMatch } from '../placeholder.js';

export const mac = placeholderMatch('mac');
