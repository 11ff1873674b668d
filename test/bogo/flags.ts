// The BoGo runner's shim flags (ssl/test/runner/runner.go passes them; BoringSSL's
// ssl/test/test_config.cc defines them): the ones this shim implements, how each takes its value,
// and the per-connection layers (-on-initial-, -on-resume-, -on-retry-). Any other flag makes the
// shim exit with status 89 ("unimplemented"), which the runner counts apart from failures.

export type FlagKind = 'bool' | 'string' | 'int' | 'base64' | 'ints';

/** Every flag the shim implements, with the shape of its value. */
export const FLAGS: Readonly<Record<string, FlagKind>> = {
  // roles, transport and files
  '-server': 'bool',
  '-port': 'int',
  '-shim-id': 'int',
  '-ipv6': 'bool',
  '-key-file': 'string',
  '-cert-file': 'string',
  '-async': 'bool',
  '-implicit-handshake': 'bool',
  // versions, suites, groups, signature algorithms
  '-min-version': 'int',
  '-max-version': 'int',
  '-no-tls13': 'bool',
  '-no-tls12': 'bool',
  '-no-tls11': 'bool',
  '-no-tls1': 'bool',
  '-expect-version': 'int',
  '-expect-cipher': 'int',
  '-cipher': 'string',
  '-curves': 'ints',
  '-expect-curve-id': 'int',
  '-signing-prefs': 'ints',
  '-verify-prefs': 'ints',
  '-expect-peer-signature-algorithm': 'int',
  '-expect-peer-verify-pref': 'ints',
  // names and ALPN
  '-host-name': 'string',
  '-expect-server-name': 'string',
  '-advertise-alpn': 'string',
  '-select-alpn': 'string',
  '-expect-alpn': 'string',
  '-expect-advertised-alpn': 'string',
  // certificates and client authentication
  '-verify-peer': 'bool',
  '-require-any-client-certificate': 'bool',
  '-verify-fail': 'bool',
  '-use-custom-verify-callback': 'bool',
  '-expect-verify-result': 'bool',
  '-expect-peer-cert-file': 'string',
  // BoringSSL's client-certificate callback: tlskit's client certificate is its configuration, sent
  // when a server asks, which is what that callback gives (the shim passes the same files).
  '-use-old-client-cert-callback': 'bool',
  '-max-cert-list': 'int',
  // OCSP
  '-enable-ocsp-stapling': 'bool',
  '-ocsp-response': 'base64',
  '-expect-ocsp-response': 'base64',
  // resumption
  '-resume-count': 'int',
  '-expect-session-miss': 'bool',
  '-expect-no-session': 'bool',
  '-ticket-key': 'base64',
  '-no-ticket': 'bool',
  '-resumption-delay': 'int',
  '-expect-extended-master-secret': 'bool',
  '-expect-ticket-renewal': 'bool',
  // HelloRetryRequest, 0-RTT
  '-expect-hrr': 'bool',
  '-expect-no-hrr': 'bool',
  '-enable-early-data': 'bool',
  '-expect-ticket-supports-early-data': 'bool',
  '-expect-accept-early-data': 'bool',
  '-expect-reject-early-data': 'bool',
  '-expect-no-offer-early-data': 'bool',
  '-expect-early-data-reason': 'string',
  // after the handshake
  '-export-keying-material': 'int',
  '-export-traffic-secrets': 'bool',
  '-tls-unique': 'bool',
  '-max-send-fragment': 'int',
  '-export-label': 'string',
  '-export-context': 'string',
  '-use-export-context': 'bool',
  '-key-update': 'bool',
  '-read-size': 'int',
  '-shim-writes-first': 'bool',
  '-read-with-unfinished-write': 'bool',
  '-shim-shuts-down': 'bool',
  '-check-close-notify': 'bool',
  '-write-different-record-sizes': 'bool',
  // renegotiation: tlskit never renegotiates; a TLS 1.2 client ignores HelloRequest
  '-renegotiate-ignore': 'bool',
  '-expect-total-renegotiations': 'int',
};

const LAYERS = ['-on-initial', '-on-resume', '-on-retry'] as const;
export type Layer = 'initial' | 'resume' | 'retry';

type Value = boolean | string | number | Uint8Array | number[];

/** A flag or feature the shim does not have: exit status 89. `flags` names the unknown flags, if that is why. */
export class Unimplemented extends Error {
  constructor(
    message: string,
    readonly flags: readonly string[] = [],
  ) {
    super(message);
  }
}

/** A flag's base name: without a -on-initial-/-on-resume-/-on-retry- prefix. */
export function baseFlagName(name: string): string {
  for (const prefix of LAYERS) if (name.startsWith(prefix + '-')) return name.slice(prefix.length);
  return name;
}

/** The parsed flags: a base layer and per-connection layers over it. */
export class ShimFlags {
  private readonly base = new Map<string, Value>();
  private readonly layers: Record<Layer, Map<string, Value>> = { initial: new Map(), resume: new Map(), retry: new Map() };

  static parse(argv: readonly string[]): ShimFlags {
    const flags = new ShimFlags();
    const unknown: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      let name = argv[i]!;
      let target = flags.base;
      for (const prefix of LAYERS) {
        if (name.startsWith(prefix + '-') && FLAGS[name.slice(prefix.length)] !== undefined) {
          target = flags.layers[prefix.slice(4) as Layer];
          name = name.slice(prefix.length);
        }
      }
      const kind = FLAGS[name];
      if (kind === undefined) {
        // Every unknown flag is reported (scripts/bogo.mjs counts tests per missing flag); a value
        // that follows it is skipped (anything not shaped like a flag name).
        unknown.push(argv[i]!);
        if (i + 1 < argv.length && !/^-[a-z]/.test(argv[i + 1]!)) i++;
        continue;
      }
      if (kind === 'bool') {
        target.set(name, true);
        continue;
      }
      const raw = argv[++i];
      if (raw === undefined) throw new Error(`flag ${argv[i - 1]} needs a value`);
      switch (kind) {
        case 'string':
          target.set(name, raw);
          break;
        case 'int':
        case 'ints': {
          const n = Number(raw);
          if (!Number.isInteger(n)) throw new Error(`flag ${argv[i - 1]}: not an integer: ${raw}`);
          if (kind === 'int') target.set(name, n);
          else target.set(name, [...((target.get(name) as number[] | undefined) ?? []), n]);
          break;
        }
        case 'base64':
          target.set(name, new Uint8Array(Buffer.from(raw, 'base64')));
          break;
      }
    }
    if (unknown.length > 0) throw new Unimplemented(`unimplemented flag ${unknown.join(' ')}`, unknown.map(baseFlagName));
    return flags;
  }

  /** The flags one connection sees: its layer over the base. */
  view(layer: Layer | undefined, also?: Layer): FlagView {
    const merged = new Map(this.base);
    for (const l of [also, layer]) if (l) for (const [k, v] of this.layers[l]) merged.set(k, v);
    return new FlagView(merged);
  }

  get(name: string): Value | undefined {
    return this.base.get(name);
  }
}

export class FlagView {
  constructor(private readonly values: ReadonlyMap<string, Value>) {}
  has(name: string): boolean {
    return this.values.get(name) === true;
  }
  str(name: string): string | undefined {
    return this.values.get(name) as string | undefined;
  }
  int(name: string): number | undefined {
    return this.values.get(name) as number | undefined;
  }
  bytes(name: string): Uint8Array | undefined {
    return this.values.get(name) as Uint8Array | undefined;
  }
  ints(name: string): number[] | undefined {
    return this.values.get(name) as number[] | undefined;
  }
}
