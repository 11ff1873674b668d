// What every `tlskit <command>` gets and returns: its arguments and two output streams in, an
// exit status out (0 success, 1 failure, 2 bad usage). Commands print only through `io`.

export interface CommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export type CommandRunner = (argv: string[], io: CommandIo) => Promise<number>;

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
} as const;
