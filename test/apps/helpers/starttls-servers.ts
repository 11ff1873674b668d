// Real Debian servers that speak STARTTLS, each started by a test in a temporary directory on
// 127.0.0.1 with bounded startup, and stopped by it: Dovecot (IMAP, POP3, LMTP, ManageSieve),
// vsftpd (FTP, FTPS), Prosody (XMPP) and slapd (LDAP). Each refuses plaintext logins where it can,
// so what follows STARTTLS in the tests shows that TLS carries the session.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { missingPeerReason } from '../../helpers/peers.js';
import { freePort, startPeer, tempDir, type Peer } from './peers.js';
import type { TlsServerFiles } from './libraries.js';

/** Why a server's file is missing here, or false; a missing one fails under TLSKIT_INTEROP_REQUIRE_PEERS=1. */
export function fileMissing(path: string, debianPackage: string): string | false {
  return missingPeerReason(existsSync(path), `${path} is not installed (Debian: apt-get install ${debianPackage})`) ?? false;
}

/** The server's program: /usr/sbin's when it is there (not every PATH has it), else found on PATH. */
const program = (name: string): string => (existsSync(`/usr/sbin/${name}`) ? `/usr/sbin/${name}` : name);

/** Polls until 127.0.0.1:`port` accepts TCP, bounded; fails early when the peer exited. */
async function waitForTcp(port: number, peer: Peer, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      const timer = setTimeout(() => done(false), 1_000);
      const done = (r: boolean): void => {
        clearTimeout(timer);
        s.destroy();
        resolve(r);
      };
      s.once('connect', () => done(true)).once('error', () => done(false));
    });
    if (ok) return;
    if (peer.child.exitCode !== null || peer.child.signalCode !== null) throw new Error(`${what} exited before listening on ${port}:\n${peer.output()}`);
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port} within ${ms} ms:\n${peer.output()}`);
    await sleep(50);
  }
}

export interface StartedServer<P> {
  readonly ports: P;
  readonly dir: string;
  readonly peer: Peer;
  stop(): Promise<void>;
}

async function started<P extends Record<string, number>>(
  prefix: string,
  names: (keyof P)[],
  start: (dir: string, ports: P) => Promise<Peer>,
  what: string,
): Promise<StartedServer<P>> {
  const dir = tempDir(prefix);
  // Servers that drop privileges (Dovecot's login processes, vsftpd's) must reach their files.
  chmodSync(dir.path, 0o755);
  const ports = {} as Record<keyof P, number>;
  for (const n of names) ports[n] = await freePort();
  let peer: Peer | undefined;
  try {
    peer = await start(dir.path, ports as P);
    for (const n of names) await waitForTcp(ports[n], peer, what);
  } catch (err) {
    await peer?.stop().catch(() => undefined);
    dir.remove();
    throw err;
  }
  const running = peer;
  return {
    ports: ports as P,
    dir: dir.path,
    peer: running,
    async stop() {
      try {
        await running.stop();
      } finally {
        dir.remove();
      }
    },
  };
}

function writeTls(dir: string, tls: TlsServerFiles): { cert: string; key: string } {
  const files = { cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
  writeFileSync(files.cert, tls.certPem);
  writeFileSync(files.key, tls.keyPem, { mode: 0o600 });
  return files;
}

export const DOVECOT_PASSWORD = 'secret';

/**
 * Dovecot with IMAP, POP3, LMTP and ManageSieve, STARTTLS offered, any user logging in with
 * DOVECOT_PASSWORD (a static passdb), plaintext logins refused before TLS.
 */
export function startDovecot(tls: TlsServerFiles): Promise<StartedServer<{ imap: number; pop3: number; lmtp: number; sieve: number }>> {
  return started(
    'tlskit-dovecot-',
    ['imap', 'pop3', 'lmtp', 'sieve'],
    (dir, ports) => {
      const f = writeTls(dir, tls);
      mkdirSync(join(dir, 'home'));
      // Mail users run as nobody (the static userdb) and make their home directories here.
      chmodSync(join(dir, 'home'), 0o777);
      const listener = (service: string, name: string, port: number, extra = ''): string =>
        `service ${service} {\n  inet_listener ${name} {\n    address = 127.0.0.1\n    port = ${port}\n  }\n${extra}}\n`;
      writeFileSync(
        join(dir, 'dovecot.conf'),
        [
          `base_dir = ${dir}/run`,
          `state_dir = ${dir}/state`,
          'log_path = /dev/stderr',
          'protocols = imap pop3 lmtp sieve',
          'listen = 127.0.0.1',
          'ssl = yes',
          `ssl_cert = <${f.cert}`,
          `ssl_key = <${f.key}`,
          'disable_plaintext_auth = yes',
          'auth_mechanisms = plain',
          'passdb {\n  driver = static\n  args = password=' + DOVECOT_PASSWORD + '\n}',
          `userdb {\n  driver = static\n  args = uid=65534 gid=65534 home=${dir}/home/%u\n}`,
          'mail_location = maildir:~/Maildir',
          listener('imap-login', 'imap', ports.imap, '  inet_listener imaps {\n    port = 0\n  }\n'),
          listener('pop3-login', 'pop3', ports.pop3, '  inet_listener pop3s {\n    port = 0\n  }\n'),
          listener('lmtp', 'lmtp', ports.lmtp),
          listener('managesieve-login', 'sieve', ports.sieve),
        ].join('\n'),
      );
      return startPeer(program('dovecot'), ['-F', '-c', join(dir, 'dovecot.conf')], { stdin: 'ignore' });
    },
    'dovecot',
  );
}

/** Prosody serving the XMPP domain `localhost`, TLS required before authentication. */
export function startProsody(tls: TlsServerFiles): Promise<StartedServer<{ c2s: number }>> {
  return started(
    'tlskit-prosody-',
    ['c2s'],
    (dir, ports) => {
      const f = writeTls(dir, tls);
      mkdirSync(join(dir, 'data'));
      writeFileSync(
        join(dir, 'prosody.cfg.lua'),
        [
          'run_as_root = true',
          'daemonize = false',
          `pidfile = "${dir}/prosody.pid"`,
          `data_path = "${dir}/data"`,
          'log = { { levels = { min = "info" }, to = "console" } }',
          'interfaces = { "127.0.0.1" }',
          'local_interfaces = { "127.0.0.1" }',
          `c2s_ports = { ${ports.c2s} }`,
          'c2s_direct_tls_ports = {}',
          's2s_ports = {}',
          'component_ports = {}',
          'http_ports = {}',
          'https_ports = {}',
          'modules_enabled = { "tls", "saslauth", "disco", "ping" }',
          'modules_disabled = { "s2s", "offline", "c2s_direct_tls" }',
          'c2s_require_encryption = true',
          'authentication = "internal_plain"',
          'VirtualHost "localhost"',
          `  ssl = { certificate = "${f.cert}", key = "${f.key}" }`,
        ].join('\n'),
      );
      return startPeer('prosody', ['--config', join(dir, 'prosody.cfg.lua'), '-F'], { stdin: 'ignore' });
    },
    'prosody',
  );
}

/** slapd (OpenLDAP) with an empty mdb database, StartTLS offered on its ldap:// listener. */
export function startSlapd(tls: TlsServerFiles): Promise<StartedServer<{ ldap: number }>> {
  return started(
    'tlskit-slapd-',
    ['ldap'],
    (dir, ports) => {
      const f = writeTls(dir, tls);
      mkdirSync(join(dir, 'db'));
      writeFileSync(
        join(dir, 'slapd.conf'),
        [
          'include /etc/ldap/schema/core.schema',
          `pidfile ${dir}/slapd.pid`,
          'modulepath /usr/lib/ldap',
          'moduleload back_mdb',
          `TLSCertificateFile ${f.cert}`,
          `TLSCertificateKeyFile ${f.key}`,
          'database mdb',
          'suffix "dc=example,dc=test"',
          'rootdn "cn=admin,dc=example,dc=test"',
          'rootpw secret',
          `directory ${dir}/db`,
        ].join('\n'),
      );
      // -d keeps slapd in the foreground (256: one log line per operation).
      return startPeer(program('slapd'), ['-d', '256', '-h', `ldap://127.0.0.1:${ports.ldap}/`, '-f', join(dir, 'slapd.conf')], { stdin: 'ignore' });
    },
    'slapd',
  );
}

/**
 * vsftpd with anonymous logins only (no system user or PAM service needed), from `root` in the
 * temporary directory; TLS required for the login and every data connection, and each data
 * connection must resume the control connection's TLS session (require_ssl_reuse, its default).
 */
export function startVsftpd(tls: TlsServerFiles, files: Record<string, Uint8Array>): Promise<StartedServer<{ ftp: number }> & { log(): string }> {
  let logPath = '';
  return started<{ ftp: number }>(
    'tlskit-vsftpd-',
    ['ftp'],
    (dir, ports) => {
      const f = writeTls(dir, tls);
      const root = join(dir, 'root');
      mkdirSync(root, { mode: 0o755 });
      mkdirSync(join(dir, 'empty'), { mode: 0o755 });
      for (const [name, bytes] of Object.entries(files)) writeFileSync(join(root, name), bytes, { mode: 0o644 });
      logPath = join(dir, 'vsftpd.log');
      writeFileSync(
        join(dir, 'vsftpd.conf'),
        [
          'listen=YES',
          'listen_address=127.0.0.1',
          `listen_port=${ports.ftp}`,
          'background=NO',
          'anonymous_enable=YES',
          'no_anon_password=NO',
          `anon_root=${root}`,
          'local_enable=NO',
          'write_enable=NO',
          `secure_chroot_dir=${join(dir, 'empty')}`,
          'pasv_enable=YES',
          'pasv_address=127.0.0.1',
          'ssl_enable=YES',
          'allow_anon_ssl=YES',
          'force_anon_logins_ssl=YES',
          'force_anon_data_ssl=YES',
          `rsa_cert_file=${f.cert}`,
          `rsa_private_key_file=${f.key}`,
          'require_ssl_reuse=YES',
          // vsftpd's default cipher list is DES-CBC3-SHA alone: TLS 1.2 with an ECDSA key needs more.
          'ssl_ciphers=HIGH',
          // The seccomp sandbox kills vsftpd in some containers; the test needs none of it.
          'seccomp_sandbox=NO',
          'xferlog_enable=YES',
          `vsftpd_log_file=${logPath}`,
          'log_ftp_protocol=YES',
          'debug_ssl=YES',
        ].join('\n') + '\n',
      );
      return startPeer(program('vsftpd'), [join(dir, 'vsftpd.conf')], { stdin: 'ignore' });
    },
    'vsftpd',
  ).then((server) => ({
    ...server,
    log: () => {
      try {
        return readFileSync(logPath, 'utf8');
      } catch {
        return '';
      }
    },
  }));
}
