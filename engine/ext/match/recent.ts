/** PLACEHOLDER for -m recent; being written. */
import { placeholderMatch } from '../placeholder.js';

export const recent = placeholderMatch('recent');
