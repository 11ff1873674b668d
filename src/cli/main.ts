#!/usr/bin/env node
// The `tlskit` command line: `tlskit <command> [arguments]`. A command is one row in `commands`;
// its module loads only when it runs, so a heavy command does not slow the others down.
import { ExitCode, type CommandIo, type CommandRunner } from './command.js';

interface CommandEntry {
  /** One line for the usage listing. */
  readonly summary: string;
  readonly load: () => Promise<CommandRunner>;
}

const commands: Readonly<Record<string, CommandEntry>> = {
  demo: {
    summary: 'a server and a client on 127.0.0.1: a real handshake, each step printed',
    load: async () => (await import('./commands/demo.js')).runDemo,
  },
  client: {
    summary: 'connect to a TLS server, show the handshake and certificates, then pipe stdin/stdout',
    load: async () => (await import('./commands/client.js')).runClient,
  },
  server: {
    summary: 'a TLS server on 127.0.0.1: a status page (--www), an echo (--echo) or stdin/stdout',
    load: async () => (await import('./commands/server.js')).runServer,
  },
  cert: {
    summary: 'issue a development certificate from a local CA (like mkcert)',
    load: async () => (await import('./commands/cert.js')).runCert,
  },
  scan: {
    summary: 'what a server accepts: versions, suites in its order, groups, chain problems, resumption',
    load: async () => (await import('./commands/scan.js')).runScan,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const rows = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: tlskit <command> [arguments]\n\nCommands:\n${rows.join('\n')}\n\nRun 'tlskit <command> --help' for a command's arguments, 'tlskit --version' for the version.\n`;
}

async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(usage());
    return ExitCode.usage;
  }
  if (name === '--version' || name === '-V') {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    io.stdout.write(`tlskit ${pkg.version}\n`);
    return ExitCode.ok;
  }
  if (name === '-h' || name === '--help' || name === 'help') {
    io.stdout.write(usage());
    return ExitCode.ok;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    io.stderr.write(`tlskit: unknown command '${name}'\nsee 'tlskit --help'\n`);
    return ExitCode.usage;
  }
  const run = await command.load();
  return run(rest, io);
}

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
