// Bad command lines: one line that names the flag, then where the help is, exit status 2; and
// warnings, which go on stderr and do not stop the command.
import { ExitCode, type CommandIo } from './command.js';

/** A bad flag or argument; the message names the flag ("--groups: unsupported group "foo""). */
export class UsageError extends Error {}

/** Prints `message` for `tlskit <command>` and returns the usage exit status. */
export function reportUsageError(io: CommandIo, command: string, message: string): number {
  io.stderr.write(`tlskit ${command}: ${message}\nsee 'tlskit ${command} --help'\n`);
  return ExitCode.usage;
}

/** node:util parseArgs's errors, shortened to what the user typed wrong. */
export function parseArgsMessage(err: Error): string {
  const m = /^Unknown option '([^']+)'/.exec(err.message);
  if (m) return `unknown option ${m[1]}`;
  const v = /^Option '(?:-\w, )?(--[^ ']+)(?: <value>)?' argument missing/.exec(err.message);
  if (v) return `${v[1]} needs a value`;
  const p = /^Unexpected argument '([^']+)'/.exec(err.message);
  if (p) return `unexpected argument '${p[1]}'`;
  return err.message.split('\n')[0]!;
}
