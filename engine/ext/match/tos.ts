/** PLACEHOLDER for -m tos; being written. */
import { placeholderMatch } from '../placeholder.js';

export const tos = placeholderMatch('tos');
