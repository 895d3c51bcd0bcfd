/** PLACEHOLDER for -m physdev; being written. */
import { placeholderMatch } from '../placeholder.js';

export const physdev = placeholderMatch('physdev');
