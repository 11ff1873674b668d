// Limits on the public keys the providers and the certificate code accept, with why.

/**
 * Largest RSA public exponent we accept: 2^32 (BoringSSL allows 33 bits; with the odd-exponent
 * rule, the largest usable one here is 2^32 - 1). Real keys use 65537 (17 bits). RSA verification
 * costs one modular multiplication per exponent bit, so a key with a 3072-bit exponent makes each
 * signature check about 100 times dearer (6 ms instead of 0.05 ms): a peer could send a chain of
 * such keys and make us spend hundreds of milliseconds before it is authenticated.
 */
export const MAX_RSA_PUBLIC_EXPONENT = 2n ** 32n;

/**
 * Largest RSA modulus we accept: 16,384 bits, as BoringSSL (OPENSSL_RSA_MAX_MODULUS_BITS). Real keys
 * are 2048 to 4096 bits; verification cost grows with the square of the modulus, and node:crypto's
 * RSA encryption (TLS 1.2 key transport) throws a plain error above this size.
 */
export const MAX_RSA_MODULUS_BITS = 16_384;
