/** PLACEHOLDER for -m u32; being written. */
import { placeholderMatch } from '../placeholder.js';

export const u32 = placeholderMatch('u32');
