/** PLACEHOLDER for -j NETMAP; being written. */
import { placeholderTarget } from '../placeholder.js';

export const NETMAP = placeholderTarget('NETMAP');
