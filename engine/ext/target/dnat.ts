/** PLACEHOLDER for -j DNAT; being written. */
import { placeholderTarget } from '../placeholder.js';

export const DNAT = placeholderTarget('DNAT');
