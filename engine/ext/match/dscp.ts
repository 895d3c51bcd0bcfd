/** PLACEHOLDER for -m dscp; being written. */
import { placeholderMatch } from '../placeholder.js';

export const dscp = placeholderMatch('dscp');
