// What the keying material exporter interop tests (RFC 5705, RFC 8446 §7.5) export on both ends.
export const EKM_LABEL = 'EXPERIMENTAL-tlskit-interop';
export const EKM_CONTEXT = 'tlskit exporter context';
export const EKM_LENGTH = 32;
