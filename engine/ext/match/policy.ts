/** PLACEHOLDER for -m policy; being written. */
import { placeholderMatch } from '../placeholder.js';

export const policy = placeholderMatch('policy');
