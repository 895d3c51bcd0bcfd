/** PLACEHOLDER for -j NFLOG; being written. */
import { placeholderTarget } from '../placeholder.js';

export const NFLOG = placeholderTarget('NFLOG');
