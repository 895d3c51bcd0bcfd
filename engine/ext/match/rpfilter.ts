/** PLACEHOLDER for -m rpfilter; being written. */
import { placeholderMatch } from '../placeholder.js';

export const rpfilter = placeholderMatch('rpfilter');
