/** PLACEHOLDER for -m socket; being written. */
import { placeholderMatch } from '../placeholder.js';

export const socket = placeholderMatch('socket');
