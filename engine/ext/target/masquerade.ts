/** PLACEHOLDER for -j MASQUERADE; being written. */
import { placeholderTarget } from '../placeholder.js';

export const MASQUERADE = placeholderTarget('MASQUERADE');
