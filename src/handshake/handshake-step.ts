// The handshake's steps as events show them: public facts only (STYLE.md "Diagnostics").

/** One step of the handshake worth showing a person (the demo and `--trace` print these). */
export type HandshakeStep =
  | {
      readonly step: 'client-hello';
      readonly versions: readonly string[];
      readonly cipherSuites: readonly string[];
      readonly groups: readonly string[];
      readonly keyShares: readonly string[];
      readonly signatureSchemes: readonly string[];
      readonly serverName?: string;
      readonly alpn: readonly string[];
    }
  | { readonly step: 'server-hello'; readonly version: string; readonly cipherSuite: string; readonly group?: string; readonly resumed: boolean }
  | { readonly step: 'hello-retry-request'; readonly group?: string; readonly cookie: boolean }
  | { readonly step: 'key-exchange'; readonly group: string; readonly ourShareBytes: number; readonly peerShareBytes: number }
  | { readonly step: 'rsa-key-transport'; readonly side: 'client' | 'server'; readonly ciphertextBytes: number }
  | { readonly step: 'encrypted-extensions'; readonly alpn?: string; readonly serverNameAcknowledged: boolean }
  | { readonly step: 'certificate'; readonly side: 'server' | 'client' /** DER, leaf first, as sent. */; readonly certificates: readonly Uint8Array[] }
  | { readonly step: 'certificate-validation'; readonly side: 'server' | 'client'; readonly ok: boolean; readonly detail: string }
  | { readonly step: 'certificate-verify'; readonly side: 'server' | 'client'; readonly scheme: string }
  | { readonly step: 'finished'; readonly side: 'server' | 'client'; readonly verified: boolean }
  | { readonly step: 'keys'; readonly direction: 'read' | 'write'; readonly epoch: 'handshake' | 'application' | 'early'; readonly aead: string }
  | { readonly step: 'complete'; readonly version: string; readonly cipherSuite: string };
