/** PLACEHOLDER for -j CT; being written. */
import { placeholderTarget } from '../placeholder.js';

export const CT = placeholderTarget('CT');
