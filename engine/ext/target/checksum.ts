/** PLACEHOLDER for -j CHECKSUM; being written. */
import { placeholderTarget } from '../placeholder.js';

export const CHECKSUM = placeholderTarget('CHECKSUM');
