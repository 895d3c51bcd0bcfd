/** PLACEHOLDER for -j TPROXY; being written. */
import { placeholderTarget } from '../placeholder.js';

export const TPROXY = placeholderTarget('TPROXY');
