// What every `tlskit <command>` gets and returns: its arguments and two output streams in, an
// exit status out (0 success, 1 failure, 2 bad usage; the client separates why it could not
// connect with curl's numbers). Commands print only through `io`.

export interface CommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export type CommandRunner = (argv: string[], io: CommandIo) => Promise<number>;

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** Client: no TCP connection (refused, unresolvable host, unreachable), as curl's 7. */
  couldNotConnect: 7,
  /** Client: --connect-timeout passed before the handshake completed, as curl's 28. */
  timedOut: 28,
  /** Client: the TLS handshake failed (an alert, the peer hung up, not TLS), as curl's 35. */
  handshakeFailed: 35,
  /** Client: the server's certificate did not validate, as curl's 60. */
  certificateRejected: 60,
} as const;
