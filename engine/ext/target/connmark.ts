/** PLACEHOLDER for -j CONNMARK; being written. */
import { placeholderTarget } from '../placeholder.js';

export const CONNMARK = placeholderTarget('CONNMARK');
