// The benchmark matrix of issue 8: every row the suite can run, named so that `--only` can pick
// rows by substring. A row id reads `<kind>:<scenario>:<variant>:<client>-<server>`.

export type Impl = 'tlskit' | 'node';
export type Kind = 'bulk' | 'hs' | 'echo' | 'mem';

/** What a connection negotiates: both implementations get the same options. */
export interface TlsParams {
  readonly version: 'TLSv1.3' | 'TLSv1.2';
  /** One suite, by a name both implementations accept (IANA for TLS 1.3, OpenSSL's for TLS 1.2). */
  readonly cipher: string;
  /** The suite's IANA name, checked against getCipher().standardName after the handshake. */
  readonly standardName: string;
  /** One group (node:tls `ecdhCurve` syntax). */
  readonly group: string;
  readonly cert: 'ecdsa' | 'rsa';
  /** Each measured handshake resumes from a ticket taken by a first, full one. */
  readonly resume?: boolean;
}

/**
 * A row whose failure to connect means a feature is missing rather than broken: it shows as
 * "n/a" (with the error) instead of failing the run, and lights up once the feature lands.
 */
export type Feature = 'tls12' | 'resumption' | 'mlkem';

export interface Row {
  readonly id: string;
  readonly kind: Kind;
  readonly scenario: string;
  readonly variant: string;
  readonly client: Impl;
  readonly server: Impl;
  readonly tls: TlsParams;
  readonly feature?: Feature;
  /** bulk: c2s (client sends) or s2c. */
  readonly direction?: 'c2s' | 's2c';
  /** hs: handshakes in flight at once. */
  readonly concurrency?: number;
  /** mem: which process is measured. */
  readonly measured?: 'server' | 'client';
  /** The row this one is compared with (node:tls at both ends, same scenario and variant). */
  readonly baseline: string;
}

export interface Metric {
  readonly unit: string;
  readonly better: 'higher' | 'lower';
}

export const metrics: Record<Kind, Metric> = {
  bulk: { unit: 'MiB/s', better: 'higher' },
  hs: { unit: 'hs/s', better: 'higher' },
  echo: { unit: 'µs', better: 'lower' },
  mem: { unit: 'KiB/conn', better: 'lower' },
};

const AES128_13: TlsParams = { version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', standardName: 'TLS_AES_128_GCM_SHA256', group: 'X25519', cert: 'ecdsa' };

const bulkSuites: readonly { name: string; tls: TlsParams; feature?: Feature }[] = [
  { name: 'tls13-aes128gcm', tls: AES128_13 },
  { name: 'tls13-aes256gcm', tls: { ...AES128_13, cipher: 'TLS_AES_256_GCM_SHA384', standardName: 'TLS_AES_256_GCM_SHA384' } },
  { name: 'tls13-chacha20', tls: { ...AES128_13, cipher: 'TLS_CHACHA20_POLY1305_SHA256', standardName: 'TLS_CHACHA20_POLY1305_SHA256' } },
  {
    name: 'tls12-ecdhe-rsa-aes128gcm',
    tls: { version: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256', standardName: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', group: 'X25519', cert: 'rsa' },
    feature: 'tls12',
  },
];

const handshakeScenarios: readonly { name: string; tls: TlsParams; feature?: Feature }[] = [
  { name: 'tls13-x25519-ecdsa', tls: AES128_13 },
  { name: 'tls13-x25519-rsa2048', tls: { ...AES128_13, cert: 'rsa' } },
  {
    name: 'tls12-ecdhe-rsa',
    tls: { version: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256', standardName: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', group: 'X25519', cert: 'rsa' },
    feature: 'tls12',
  },
  { name: 'tls13-resume', tls: { ...AES128_13, resume: true }, feature: 'resumption' },
  { name: 'tls13-x25519mlkem768-ecdsa', tls: { ...AES128_13, group: 'X25519MLKEM768' }, feature: 'mlkem' },
];

/** Client impl first: tlskit↔tlskit, tlskit client↔node server, node client↔tlskit server, node↔node. */
export const pairs: readonly (readonly [Impl, Impl])[] = [
  ['tlskit', 'tlskit'],
  ['tlskit', 'node'],
  ['node', 'tlskit'],
  ['node', 'node'],
];

function row(
  kind: Kind,
  scenario: string,
  variant: string,
  client: Impl,
  server: Impl,
  rest: Omit<Row, 'id' | 'kind' | 'scenario' | 'variant' | 'client' | 'server' | 'baseline'>,
): Row {
  const prefix = `${kind}:${scenario}:${variant}`;
  return { id: `${prefix}:${client}-${server}`, kind, scenario, variant, client, server, baseline: `${prefix}:node-node`, ...rest };
}

export function allRows(): Row[] {
  const rows: Row[] = [];
  for (const s of bulkSuites) {
    for (const direction of ['c2s', 's2c'] as const) {
      for (const [client, server] of pairs) {
        rows.push(row('bulk', s.name, direction, client, server, { tls: s.tls, direction, ...(s.feature ? { feature: s.feature } : {}) }));
      }
    }
  }
  for (const s of handshakeScenarios) {
    for (const [variant, concurrency] of [
      ['seq', 1],
      ['c8', 8],
    ] as const) {
      for (const [client, server] of pairs) {
        rows.push(row('hs', s.name, variant, client, server, { tls: s.tls, concurrency, ...(s.feature ? { feature: s.feature } : {}) }));
      }
    }
  }
  for (const [client, server] of pairs) rows.push(row('echo', 'tls13-aes128gcm', '1byte', client, server, { tls: AES128_13 }));
  // Memory: the measured side runs each implementation against a node:tls peer.
  rows.push(row('mem', 'idle', 'server', 'node', 'tlskit', { tls: AES128_13, measured: 'server' }));
  rows.push(row('mem', 'idle', 'server', 'node', 'node', { tls: AES128_13, measured: 'server' }));
  rows.push(row('mem', 'idle', 'client', 'tlskit', 'node', { tls: AES128_13, measured: 'client' }));
  rows.push(row('mem', 'idle', 'client', 'node', 'node', { tls: AES128_13, measured: 'client' }));
  return rows;
}

/** Whether every implementation this row measures is tlskit (the rows the targets apply to). */
export function measuresOnlyTlskit(r: Row): boolean {
  if (r.kind === 'mem') return (r.measured === 'server' ? r.server : r.client) === 'tlskit';
  return r.client === 'tlskit' && r.server === 'tlskit';
}

/** Issue 8's targets, as ratios tlskit / node:tls in the same run. */
export function targetFor(r: Row): { readonly op: '≥' | '≤'; readonly value: number } | undefined {
  if (!measuresOnlyTlskit(r)) return undefined;
  switch (r.kind) {
    case 'bulk':
      return { op: '≥', value: 1.0 };
    case 'hs':
      return { op: '≥', value: 1.5 };
    case 'echo':
      return { op: '≤', value: 1.1 };
    case 'mem':
      return { op: '≤', value: 0.5 };
  }
}
