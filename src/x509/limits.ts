// Every size and work limit the X.509 code enforces, with why. (Kept beside the x509 module rather
// than in src/protocol/limits.ts so that this module stays self-contained for browser builds.)

/**
 * Largest certificate or CRL we parse. Real certificates are 1-3 KiB; a TLS Certificate message
 * cannot carry more than the engine's handshake message limit (64 KiB) anyway. CRLs supplied by the
 * caller can be larger, so they get their own bound.
 */
export const MAX_CERTIFICATE_BYTES = 64 * 1024;
export const MAX_CRL_BYTES = 16 * 1024 * 1024;

/** Nesting depth of DER structures: a certificate needs about 10 levels; this stops stack abuse. */
export const MAX_DER_DEPTH = 32;

/** Longest OID (in arcs) we decode; real OIDs have fewer than 20. */
export const MAX_OID_ARCS = 32;

/**
 * Default maximum number of intermediates (self-issued ones not counted, as in RFC 5280 §6.1.4(l)).
 * WebPKI paths have 1-2; 8 leaves room for cross-signing.
 */
export const DEFAULT_MAX_INTERMEDIATES = 8;

/** Hard bound on path length including self-issued certificates, leaf and anchor. */
export const MAX_PATH_CERTIFICATES = 16;

/** Signature verifications one path search may spend before giving up (work bound on crafted input). */
export const MAX_SIGNATURE_CHECKS = 64;

/** Candidate issuers one path search may consider before giving up. */
export const MAX_PATH_BUILDING_STEPS = 1024;

/**
 * Name-constraint comparisons (subtrees × names) for one path. Legitimate paths need a few hundred;
 * crafted ones with thousands of names and subtrees are refused instead of burning CPU.
 */
export const MAX_NAME_CONSTRAINT_CHECKS = 1 << 16;

/** Certificates the peer may send in one chain (leaf included) that we parse. */
export const MAX_CHAIN_CERTIFICATES = 32;

/** Imported public keys kept per crypto provider (roots and common intermediates stay warm). */
export const MAX_CACHED_KEYS = 256;

/** Signatures remembered as good, per provider (./verifier.ts): the intermediates of busy peers. */
export const MAX_CACHED_SIGNATURES = 1024;

/**
 * Runs of the path builder while asynchronous signature checks come in (./async-verifier.ts). A
 * good chain takes two; each bad signature found on the way may cost one more.
 */
export const MAX_ASYNC_SIGNATURE_ROUNDS = 8;

/** Results of asynchronous signature checks kept per crypto provider, across validations. */
export const MAX_CACHED_SIGNATURE_RESULTS = 512;
