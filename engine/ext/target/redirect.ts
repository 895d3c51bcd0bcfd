/** PLACEHOLDER for -j REDIRECT; being written. */
import { placeholderTarget } from '../placeholder.js';

export const REDIRECT = placeholderTarget('REDIRECT');
