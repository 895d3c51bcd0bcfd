/** PLACEHOLDER for -m tcp; being written. */
import { placeholderMatch } from '../placeholder.js';

export const tcp = placeholderMatch('tcp');
