/** PLACEHOLDER for -j TTL; being written. */
import { placeholderTarget } from '../placeholder.js';

export const TTL = placeholderTarget('TTL');
