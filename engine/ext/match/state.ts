/** PLACEHOLDER for -m state; being written. */
import { placeholderMatch } from '../placeholder.js';

export const state = placeholderMatch('state');
