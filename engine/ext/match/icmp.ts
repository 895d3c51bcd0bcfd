/** PLACEHOLDER for -m icmp; being written. */
import { placeholderMatch } from '../placeholder.js';

export const icmp = placeholderMatch('icmp');
