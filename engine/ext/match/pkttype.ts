/** PLACEHOLDER for -m pkttype; being written. */
import { placeholderMatch } from '../placeholder.js';

export const pkttype = placeholderMatch('pkttype');
