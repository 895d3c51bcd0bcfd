/** PLACEHOLDER for -m udp; being written. */
import { placeholderMatch } from '../placeholder.js';

export const udp = placeholderMatch('udp');
