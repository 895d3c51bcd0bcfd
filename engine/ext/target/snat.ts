/** PLACEHOLDER for -j SNAT; being written. */
import { placeholderTarget } from '../placeholder.js';

export const SNAT = placeholderTarget('SNAT');
