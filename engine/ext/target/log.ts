/** PLACEHOLDER for -j LOG; being written. */
import { placeholderTarget } from '../placeholder.js';

export const LOG = placeholderTarget('LOG');
