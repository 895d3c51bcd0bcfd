/** PLACEHOLDER for -j TCPMSS; being written. */
import { placeholderTarget } from '../placeholder.js';

export const TCPMSS = placeholderTarget('TCPMSS');
