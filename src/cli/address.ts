// Where `tlskit client` connects, from what people paste: `host:port`, `host port`,
// `https://host[:port]/path`, `[::1]:443`, a bare `::1`, and openssl's `-connect host:port`.
import { isIP } from 'node:net';
import { UsageError } from './usage.js';

export interface Target {
  readonly host: string;
  readonly port: number;
}

/** URL schemes and their default ports (the TLS port of each). */
const SCHEME_PORTS: Readonly<Record<string, number>> = {
  https: 443,
  wss: 443,
  ldaps: 636,
  imaps: 993,
  pop3s: 995,
  smtps: 465,
  ftps: 990,
  ircs: 6697,
};

function port(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new UsageError(`'${text}' is not a port number`);
  return n;
}

/** HOST:PORT, [IPv6]:PORT, IPv6, scheme://HOST[:PORT]/..., or HOST (port 443). */
export function parseTarget(text: string): Target {
  const url = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(text);
  if (url) {
    const scheme = url[1]!.toLowerCase();
    const defaultPort = SCHEME_PORTS[scheme];
    if (defaultPort === undefined)
      throw new UsageError(`'${scheme}://' is not a TLS scheme tlskit knows (${Object.keys(SCHEME_PORTS).join(', ')}): give HOST:PORT`);
    const authority = url[2]!.replace(/^[^@]*@/, '');
    const t = parseHostPort(authority, defaultPort);
    return t;
  }
  return parseHostPort(text, 443);
}

function parseHostPort(text: string, defaultPort: number): Target {
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] === undefined ? defaultPort : port(bracketed[2]) };
  // A bare IPv6 address has more than one ':'; its port cannot be written without brackets.
  if (isIP(text) === 6) return { host: text, port: defaultPort };
  const m = /^([^:\s]+)(?::(.*))?$/.exec(text);
  if (!m) throw new UsageError(`'${text}' is not HOST:PORT (an IPv6 address with a port is written [::1]:443)`);
  return { host: m[1]!, port: m[2] === undefined ? defaultPort : port(m[2]) };
}

/** The target from the positional arguments: one address, or HOST PORT. */
export function targetFrom(positionals: readonly string[]): Target {
  if (positionals.length === 0) throw new UsageError('name the server as HOST:PORT');
  if (positionals.length === 2 && /^\d+$/.test(positionals[1]!) && !/:\d+$|^\[|:\/\//.test(positionals[0]!)) {
    return { host: parseTarget(positionals[0]!).host, port: port(positionals[1]!) };
  }
  if (positionals.length !== 1) throw new UsageError(`one HOST:PORT (or HOST PORT), not ${positionals.length} arguments: ${positionals.join(' ')}`);
  return parseTarget(positionals[0]!);
}

/** openssl s_client's flags and tlskit's for each (undefined: nothing to give, tlskit's default). */
const OPENSSL_FLAGS: Readonly<Record<string, string | undefined>> = {
  CAfile: '--ca FILE',
  CApath: '--capath DIR',
  servername: '--servername NAME',
  cert: '--cert FILE',
  key: '--key FILE',
  pass: '--pass pass:TEXT',
  showcerts: '--showcerts',
  status: '--status',
  reconnect: '--reconnect',
  sess_out: '--sess-out FILE',
  sess_in: '--sess-in FILE',
  early_data: '--early-data FILE',
  alpn: '--alpn LIST',
  tls1_2: '--tls1.2',
  tls1_3: '--tls1.3',
  cipher: '--ciphers LIST',
  ciphersuites: '--ciphers LIST',
  groups: '--groups LIST',
  curves: '--groups LIST',
  keylogfile: '--keylog FILE',
  starttls: '--starttls PROTO',
  msg: '--trace',
  trace: '--trace',
  debug: '--trace',
  quiet: '--quiet',
  brief: '--quiet',
  verify_return_error: undefined,
  verify: undefined,
  crlf: undefined,
  ign_eof: undefined,
  timeout: '--connect-timeout SECONDS',
  host: 'HOST PORT',
  port: 'HOST PORT',
};

/**
 * openssl's single-dash flags: `-connect HOST:PORT` is taken as the address (people paste it);
 * any other is refused with tlskit's flag for it.
 */
export function translateOpensslArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const m = /^-([A-Za-z][A-Za-z0-9_]+)$/.exec(a);
    if (!m) {
      out.push(a);
      continue;
    }
    if (m[1] === 'connect') {
      const value = argv[i + 1];
      if (value === undefined) throw new UsageError('-connect needs HOST:PORT');
      out.push(value);
      i++;
      continue;
    }
    if (Object.hasOwn(OPENSSL_FLAGS, m[1]!)) {
      const ours = OPENSSL_FLAGS[m[1]!];
      throw new UsageError(
        ours ? `${a} is openssl's flag: tlskit client takes ${ours}` : `${a} is openssl's flag: tlskit client does this by default, leave it out`,
      );
    }
    throw new UsageError(`unknown option ${a} (tlskit's flags start with --)`);
  }
  return out;
}
