// Limits of the DER reader: every nested read is bounded (STYLE.md "X.509").

/** Nesting depth of DER structures: a certificate needs about 10 levels; this stops stack abuse. */
export const MAX_DER_DEPTH = 32;

/** Longest OID (in arcs) we decode; real OIDs have fewer than 20. */
export const MAX_OID_ARCS = 32;
