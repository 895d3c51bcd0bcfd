/** PLACEHOLDER for -m hashlimit; being written. */
import { placeholderMatch } from '../placeholder.js';

export const hashlimit = placeholderMatch('hashlimit');
