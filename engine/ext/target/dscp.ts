/** PLACEHOLDER for -j DSCP; being written. */
import { placeholderTarget } from '../placeholder.js';

export const DSCP = placeholderTarget('DSCP');
