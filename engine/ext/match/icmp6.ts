/** PLACEHOLDER for -m icmp6; being written. */
import { placeholderMatch } from '../placeholder.js';

export const icmp6 = placeholderMatch('icmp6');
