// The interop matrix (issues 2 and 4): version × cipher suite × group × certificate, and each
// cell's spelling for every peer. TLS 1.3 is the full cross product; TLS 1.2 is trimmed (see
// TLS12_CELLS) to keep CI time in check, and adds RSA key transport, which has no group.
import { CERT_KINDS, type CertKind } from '../helpers/pki.js';

export type Version = 'TLSv1.3' | 'TLSv1.2';

/** The versions under test. */
export const VERSIONS: readonly Version[] = ['TLSv1.3', 'TLSv1.2'];

export interface Suite {
  /** IANA name, as our getCipher().standardName and node's report it. */
  readonly name: string;
  /** OpenSSL's name (openssl -ciphersuites / -cipher, node:tls `ciphers`). */
  readonly openssl: string;
  /** GnuTLS priority keyword of the bulk cipher, and its name in gnutls' session description. */
  readonly gnutlsCipher: string;
  /** TLS 1.2 only: the key exchange keyword for GnuTLS, and the certificate kinds it can use. */
  readonly gnutlsKx?: 'ECDHE-RSA' | 'ECDHE-ECDSA' | 'RSA';
  readonly certs?: readonly CertKind[];
  /**
   * RSA key transport: no forward secrecy, so off by default on every side; we enable it by naming
   * it in `ciphers` (next to our defaults) even in cells the peer restricts.
   */
  readonly optIn?: boolean;
}

const tls13 = (name: string, gnutlsCipher: string): Suite => ({ name, openssl: name, gnutlsCipher });
const tls12 = (name: string, openssl: string, gnutlsCipher: string, gnutlsKx: 'ECDHE-RSA' | 'ECDHE-ECDSA' | 'RSA'): Suite => ({
  name,
  openssl,
  gnutlsCipher,
  gnutlsKx,
  certs: gnutlsKx === 'ECDHE-ECDSA' ? ['ec', 'ed25519', 'p521'] : ['rsa'],
  ...(gnutlsKx === 'RSA' ? { optIn: true } : {}),
});

export const SUITES: Readonly<Record<Version, readonly Suite[]>> = {
  'TLSv1.3': [
    tls13('TLS_AES_128_GCM_SHA256', 'AES-128-GCM'),
    tls13('TLS_AES_256_GCM_SHA384', 'AES-256-GCM'),
    tls13('TLS_CHACHA20_POLY1305_SHA256', 'CHACHA20-POLY1305'),
  ],
  'TLSv1.2': [
    tls12('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'AES-128-GCM', 'ECDHE-RSA'),
    tls12('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'AES-256-GCM', 'ECDHE-RSA'),
    tls12('TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305', 'CHACHA20-POLY1305', 'ECDHE-RSA'),
    tls12('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'AES-128-GCM', 'ECDHE-ECDSA'),
    tls12('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'AES-256-GCM', 'ECDHE-ECDSA'),
    tls12('TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'CHACHA20-POLY1305', 'ECDHE-ECDSA'),
    tls12('TLS_RSA_WITH_AES_128_GCM_SHA256', 'AES128-GCM-SHA256', 'AES-128-GCM', 'RSA'),
    tls12('TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384', 'AES-256-GCM', 'RSA'),
  ],
};

const suite12 = (name: string): Suite => SUITES['TLSv1.2'].find((s) => s.name === name)!;

export interface Group {
  /** IANA name (our NamedGroup.name). */
  readonly name: 'x25519' | 'secp256r1' | 'secp384r1' | 'x448' | 'secp521r1';
  /** openssl -groups, node:tls and our `ecdhCurve`. */
  readonly openssl: string;
  /** What node:tls getEphemeralKeyInfo() reports (OpenSSL's short name), and its size. */
  readonly nodeName: string;
  readonly nodeSize: number;
  /** GnuTLS priority keyword (GROUP-...), and the group in gnutls' session description. */
  readonly gnutls: string;
}

/** The groups crossed with every TLS 1.3 suite and certificate. */
export const GROUPS: readonly Group[] = [
  { name: 'x25519', openssl: 'X25519', nodeName: 'X25519', nodeSize: 253, gnutls: 'X25519' },
  { name: 'secp256r1', openssl: 'P-256', nodeName: 'prime256v1', nodeSize: 256, gnutls: 'SECP256R1' },
  { name: 'secp384r1', openssl: 'P-384', nodeName: 'secp384r1', nodeSize: 384, gnutls: 'SECP384R1' },
];
/** Groups with cells of their own (EXTRA_CURVE_CELLS), not the cross product (issue 15). */
export const EXTRA_GROUPS: readonly Group[] = [
  { name: 'x448', openssl: 'X448', nodeName: 'X448', nodeSize: 448, gnutls: 'X448' },
  { name: 'secp521r1', openssl: 'P-521', nodeName: 'secp521r1', nodeSize: 521, gnutls: 'SECP521R1' },
];
/** Every group a cell can use, for reading what a peer reports. */
export const ALL_GROUPS: readonly Group[] = [...GROUPS, ...EXTRA_GROUPS];

export interface Cell {
  readonly version: Version;
  readonly suite: Suite;
  /** The key exchange group; none for TLS 1.2 RSA key transport. */
  readonly group: Group | undefined;
  readonly cert: CertKind;
  /**
   * Which side allows only this cell's suite and group. 'peer': the peer, while we run with our
   * defaults (so we must negotiate there, with a HelloRetryRequest when the group is not our
   * first). 'us': our `ciphers` and `ecdhCurve` options, while the peer runs with its defaults.
   */
  readonly restrictedBy: 'peer' | 'us';
}

const group = (name: Group['name']): Group => ALL_GROUPS.find((g) => g.name === name)!;

/**
 * TLS 1.2, trimmed (issue 4: at most ~100 cells over the four peers and both directions, instead
 * of the 360 of the full cross product): every suite with x25519 and every certificate type it
 * fits but ed25519 (which gets one cell); one P-curve for one suite per certificate type (P-384
 * with the P-256 certificate is RFC 8422's twist: see cellGroups); RSA key transport, which has no
 * group; and two cells our options restrict against the peer's defaults.
 */
const TLS12_CELLS: readonly Cell[] = (() => {
  const cell = (suite: string, g: Group['name'] | undefined, cert: CertKind, restrictedBy: Cell['restrictedBy'] = 'peer'): Cell => ({
    version: 'TLSv1.2',
    suite: suite12(suite),
    group: g === undefined ? undefined : group(g),
    cert,
    restrictedBy,
  });
  return [
    ...SUITES['TLSv1.2'].filter((s) => s.gnutlsKx === 'ECDHE-RSA').map((s) => cell(s.name, 'x25519', 'rsa')),
    ...SUITES['TLSv1.2'].filter((s) => s.gnutlsKx === 'ECDHE-ECDSA').map((s) => cell(s.name, 'x25519', 'ec')),
    cell('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'secp256r1', 'rsa'),
    cell('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'secp384r1', 'ec'),
    ...SUITES['TLSv1.2'].filter((s) => s.gnutlsKx === 'RSA').map((s) => cell(s.name, undefined, 'rsa')),
    cell('TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'x25519', 'ed25519', 'us'),
    cell('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'secp384r1', 'rsa', 'us'),
  ];
})();

/**
 * x448 and secp521r1 (issue 15), with the P-521 ECDSA certificate (ecdsa_secp521r1_sha512 in TLS
 * 1.3): a few cells per version, restricted by the peer and by us, rather than the cross product.
 */
const EXTRA_CURVE_CELLS: readonly Cell[] = (() => {
  const suite13 = (name: string): Suite => SUITES['TLSv1.3'].find((s) => s.name === name)!;
  const cell = (version: Version, suite: string, g: Group['name'], cert: CertKind, restrictedBy: Cell['restrictedBy']): Cell => ({
    version,
    suite: version === 'TLSv1.3' ? suite13(suite) : suite12(suite),
    group: group(g),
    cert,
    restrictedBy,
  });
  return [
    cell('TLSv1.3', 'TLS_AES_256_GCM_SHA384', 'secp521r1', 'p521', 'peer'),
    cell('TLSv1.3', 'TLS_CHACHA20_POLY1305_SHA256', 'x448', 'p521', 'peer'),
    cell('TLSv1.3', 'TLS_AES_128_GCM_SHA256', 'x448', 'rsa', 'peer'),
    cell('TLSv1.2', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'secp521r1', 'p521', 'peer'),
    cell('TLSv1.2', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'x448', 'p521', 'peer'),
    cell('TLSv1.2', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'x448', 'rsa', 'peer'),
    cell('TLSv1.3', 'TLS_AES_128_GCM_SHA256', 'x448', 'ec', 'us'),
    cell('TLSv1.3', 'TLS_AES_256_GCM_SHA384', 'secp521r1', 'p521', 'us'),
    cell('TLSv1.2', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'x448', 'p521', 'us'),
    cell('TLSv1.2', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'secp521r1', 'rsa', 'us'),
  ];
})();

/** Every cell of the matrix restricted by the peer, in a stable order (TLS 1.2: see TLS12_CELLS). */
export function matrix(): Cell[] {
  const cells: Cell[] = [...EXTRA_CURVE_CELLS.filter((c) => c.restrictedBy === 'peer')];
  for (const version of VERSIONS) {
    if (version === 'TLSv1.2') {
      cells.push(...TLS12_CELLS.filter((c) => c.restrictedBy === 'peer'));
      continue;
    }
    for (const suite of SUITES[version]) {
      for (const group of GROUPS) {
        for (const cert of CERT_KINDS) {
          if (!suite.certs || suite.certs.includes(cert)) cells.push({ version, suite, group, cert, restrictedBy: 'peer' });
        }
      }
    }
  }
  return cells;
}

/**
 * TLS 1.3: each suite × group once more, restricted by our options against the peer's defaults;
 * the certificate rotates so each suite and each group still meets every certificate type.
 * TLS 1.2: the cells of TLS12_CELLS that our options restrict.
 */
export function ourOptionsMatrix(): Cell[] {
  const cells: Cell[] = [...EXTRA_CURVE_CELLS.filter((c) => c.restrictedBy === 'us')];
  for (const version of VERSIONS) {
    if (version === 'TLSv1.2') {
      cells.push(...TLS12_CELLS.filter((c) => c.restrictedBy === 'us'));
      continue;
    }
    SUITES[version].forEach((suite, i) => {
      GROUPS.forEach((group, j) => {
        const fits = CERT_KINDS.filter((c) => !suite.certs || suite.certs.includes(c));
        cells.push({ version, suite, group, cert: fits[(i + j) % fits.length]!, restrictedBy: 'us' });
      });
    });
  }
  return cells;
}

/** The test name: direction, then the cell. */
export function cellName(direction: string, cell: Cell): string {
  const by = cell.restrictedBy === 'us' ? ' | our ciphers+ecdhCurve, peer defaults' : '';
  return `${direction} | ${cell.version} | ${cell.suite.name} | ${cell.group?.name ?? 'no group (RSA key transport)'} | ${cell.cert}${by}`;
}

export type Role = 'client' | 'server';

/** The group of an ECDSA certificate's curve, which a TLS 1.2 client's supported_groups must list too. */
const certificateGroup: Partial<Record<CertKind, Group>> = { ec: group('secp256r1'), p521: group('secp521r1') };

/** The suite a side allows for the cell, or undefined for its defaults: the restricting side allows the cell's. */
function cellSuite(cell: Cell, side: Cell['restrictedBy']): Suite | undefined {
  return cell.restrictedBy === side ? cell.suite : undefined;
}

/** Our `ciphers` for the cell: its suite when we restrict; an opt-in suite next to our defaults when the peer does. */
function ourCiphers(cell: Cell): string | undefined {
  if (cell.restrictedBy === 'us') return cell.suite.name;
  if (!cell.suite.optIn) return undefined;
  return [...SUITES[cell.version].filter((s) => !s.optIn), cell.suite].map((s) => s.name).join(':');
}

/**
 * The groups a side allows for the cell, or undefined for its defaults: the restricting side allows
 * the cell's group. TLS 1.2 twist (RFC 8422 §5.3): a client's supported_groups also vouch for the
 * curve of the server's ECDSA certificate, so a restricting client lists P-256 as well when our
 * P-256 certificate is used, and the server, whichever side restricts, picks the cell's group.
 */
function cellGroups(cell: Cell, side: Cell['restrictedBy'], role: Role): Group[] | undefined {
  if (cell.group === undefined) return undefined;
  const curve = certificateGroup[cell.cert];
  const certificateCurveToo = cell.version === 'TLSv1.2' && curve !== undefined && cell.group !== curve;
  if (cell.restrictedBy === side) return role === 'client' && certificateCurveToo ? [cell.group, curve] : [cell.group];
  return certificateCurveToo && role === 'server' ? [cell.group] : undefined;
}

type VersionOptions = { minVersion: Version; maxVersion: Version; ciphers?: string; ecdhCurve?: string };

/** Our options for the cell, as its client or server: its version, and its suite and group when we restrict. */
export function ourCellOptions(cell: Cell, role: Role): VersionOptions {
  const ciphers = ourCiphers(cell);
  const groups = cellGroups(cell, 'us', role);
  return {
    minVersion: cell.version,
    maxVersion: cell.version,
    ...(ciphers ? { ciphers } : {}),
    ...(groups ? { ecdhCurve: groups.map((g) => g.openssl).join(':') } : {}),
  };
}

// ---- each cell as the peers spell it (`role`: the peer's) ----

/** openssl s_server / s_client flags for the cell's version, and its suite and groups when the peer restricts. */
export function opensslCellArgs(cell: Cell, role: Role): string[] {
  const tls13 = cell.version === 'TLSv1.3';
  const suite = cellSuite(cell, 'peer');
  const groups = cellGroups(cell, 'peer', role);
  return [
    tls13 ? '-tls1_3' : '-tls1_2',
    ...(suite ? [tls13 ? '-ciphersuites' : '-cipher', suite.openssl] : []),
    ...(groups ? ['-groups', groups.map((g) => g.openssl).join(':')] : []),
  ];
}

/** A GnuTLS priority string for the cell's version, and its suite and groups when the peer restricts. */
export function gnutlsPriority(cell: Cell, role: Role): string {
  const suite = cellSuite(cell, 'peer');
  const groups = cellGroups(cell, 'peer', role);
  let priority = `NORMAL:-VERS-ALL:+${cell.version === 'TLSv1.3' ? 'VERS-TLS1.3' : 'VERS-TLS1.2'}`;
  if (suite) priority += `:-CIPHER-ALL:+${suite.gnutlsCipher}${suite.gnutlsKx ? `:-KX-ALL:+${suite.gnutlsKx}` : ''}`;
  if (groups) priority += `:-GROUP-ALL${groups.map((g) => `:+GROUP-${g.gnutls}`).join('')}`;
  return priority;
}

/** node:tls options for the cell's version, and its suite and groups when the peer restricts. */
export function nodeCellOptions(cell: Cell, role: Role): VersionOptions {
  const suite = cellSuite(cell, 'peer');
  const groups = cellGroups(cell, 'peer', role);
  return {
    minVersion: cell.version,
    maxVersion: cell.version,
    ...(suite ? { ciphers: suite.openssl } : {}),
    ...(groups ? { ecdhCurve: groups.map((g) => g.openssl).join(':') } : {}),
  };
}

/** What a peer says was negotiated, in IANA names; fields it does not report stay undefined. */
export interface PeerView {
  readonly version?: string;
  readonly suite?: string;
  readonly group?: string;
}

export type PeerViewField = keyof PeerView;

/** One handshake message's lines from an `openssl -trace` log (the last one of that name). */
function traceMessage(trace: string, name: string): string | undefined {
  const at = trace.lastIndexOf(`${name}, Length=`);
  if (at < 0) return undefined;
  const end = trace.indexOf(' Record\n', at);
  return trace.slice(at, end < 0 ? undefined : end);
}

/**
 * Reads an `openssl -trace` log: the suite from the last ServerHello, the group from its key share
 * (TLS 1.3) or from the ServerKeyExchange (TLS 1.2).
 */
export function readOpensslTrace(trace: string): PeerView {
  const hello = traceMessage(trace, 'ServerHello');
  if (hello === undefined) return {};
  const suite = /cipher_suite \{0x[0-9A-F]{2}, 0x[0-9A-F]{2}\} (\S+)/i.exec(hello)?.[1];
  const groupText = /NamedGroup: (\S+)/.exec(hello)?.[1] ?? /named_curve: (\S+)/.exec(traceMessage(trace, 'ServerKeyExchange') ?? '')?.[1];
  const group = groupText === undefined ? undefined : (ALL_GROUPS.find((g) => groupText.toLowerCase().includes(g.name))?.name ?? groupText);
  // TLS 1.3 names the version in supported_versions; TLS 1.2 in server_version alone.
  const selected = /supported_versions\(43\), length=2\n\s+TLS 1\.(\d)/.exec(hello)?.[1] ?? (/server_version=0x303/.test(hello) ? '2' : undefined);
  const version = selected === undefined ? undefined : `TLSv1.${selected}`;
  return { ...(suite ? { suite } : {}), ...(group ? { group } : {}), ...(version ? { version } : {}) };
}

/**
 * Reads gnutls' "- Description: (TLS1.3-X.509)-(ECDHE-X25519)-(ECDSA-SECP256R1-SHA256)-(AES-256-GCM)";
 * TLS 1.2 RSA key transport reads "(TLS1.2-X.509)-(RSA)-(AES-128-GCM)" (no group, no signature).
 */
export function readGnutlsDescription(text: string, cell: Cell): PeerView {
  const m = /- Description: \((TLS1\.\d)[^)]*\)-\(([A-Z0-9-]+)\)(?:-\([^)]*\))?-\(([A-Z0-9-]+)\)/.exec(text);
  if (!m) return {};
  const kx = m[2]!;
  const groupText = /^(?:EC)?DHE-(.+)$/.exec(kx)?.[1];
  const group = groupText === undefined ? undefined : (ALL_GROUPS.find((g) => g.gnutls === groupText)?.name ?? groupText);
  // TLS 1.2 suites share bulk ciphers: the key exchange and the certificate tell them apart.
  const gnutlsKx = kx === 'RSA' ? 'RSA' : cell.cert === 'rsa' ? 'ECDHE-RSA' : 'ECDHE-ECDSA';
  const suite = SUITES[cell.version].find((s) => s.gnutlsCipher === m[3] && (!s.gnutlsKx || s.gnutlsKx === gnutlsKx))?.name ?? m[3]!;
  return { version: m[1] === 'TLS1.3' ? 'TLSv1.3' : m[1] === 'TLS1.2' ? 'TLSv1.2' : m[1]!, suite, ...(group ? { group } : {}) };
}
