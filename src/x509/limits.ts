// Every size and work limit the X.509 code enforces, with why. (Kept beside the x509 module rather
// than in src/protocol/limits.ts so that this module stays self-contained for browser builds.)

/**
 * Largest certificate or CRL we parse. Real certificates are 1-3 KiB; a TLS Certificate message
 * cannot carry more than the engine's handshake message limit (64 KiB) anyway. CRLs supplied by the
 * caller can be larger, so they get their own bound.
 */
export const MAX_CERTIFICATE_BYTES = 64 * 1024;
export const MAX_CRL_BYTES = 16 * 1024 * 1024;

/**
 * Default maximum number of intermediates (self-issued ones not counted, as in RFC 5280 §6.1.4(l)).
 * WebPKI paths have 1-2; 8 leaves room for cross-signing.
 */
export const DEFAULT_MAX_INTERMEDIATES = 8;

/** Hard bound on path length including self-issued certificates, leaf and anchor. */
export const MAX_PATH_CERTIFICATES = 16;

/** Signature verifications one path search may spend before giving up (work bound on crafted input). */
export const MAX_SIGNATURE_CHECKS = 64;

/**
 * Signature-verification work one path search may spend, in units of one RSA-2048 (e = 65537)
 * verification, about 50 µs (see signatureCost() in ../crypto/public-key-info.ts for the cost of each key).
 * The count above alone lets crafted chains spend 64 of the dearest checks (P-521 at about 2 ms,
 * RSA-16384 at several ms). A legitimate path costs far less: a four-certificate WebPKI chain with
 * a CRL for each certificate is at most about 200 units even with P-521 keys throughout, and a
 * 16-certificate path of P-384 keys with CRLs about 500. 1024 units is about 50 ms of work.
 */
export const MAX_SIGNATURE_WORK = 1024;

/** Candidate issuers one path search may consider before giving up. */
export const MAX_PATH_BUILDING_STEPS = 1024;

/**
 * Name-constraint comparisons (subtrees × names) for one path. Legitimate paths need a few hundred;
 * crafted ones with thousands of names and subtrees are refused instead of burning CPU.
 */
export const MAX_NAME_CONSTRAINT_CHECKS = 1 << 16;

/**
 * Certificates the peer may send in one chain (leaf included) that we parse: 100, the engine's
 * default chain length (src/protocol/limits.ts DEFAULT_MAX_CHAIN_LENGTH: OpenSSL's and BoringSSL's
 * verification depth). Each certificate parsed costs tens of microseconds; the path search that
 * follows is bounded by MAX_PATH_BUILDING_STEPS and MAX_SIGNATURE_WORK, not by this count.
 */
export const MAX_CHAIN_CERTIFICATES = 100;

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
