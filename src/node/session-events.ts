// node:tls's server events for a TLS 1.2 session cache kept by the application: 'newSession'
// (sessionId, sessionData, callback) when a full handshake made a session, 'resumeSession'
// (sessionId, callback) when a client offers a session id. While either has a listener, they take
// the place of the server's own session store for new connections, as in node. The data is
// tlskit's serialised session (not OpenSSL's); what 'resumeSession' hands back is application
// bytes: decoded strictly, and resumed only if it fits the connection, its trust settings
// included (src/handshake/trust-binding.ts); anything else means a full handshake.
// TLS 1.3 resumes by tickets only (RFC 8446 §4.6.1): neither event is emitted for it.
import type { EventEmitter } from 'node:events';
import type { SessionStore } from '../handshake/session.js';
import { invalidServerArg } from './server-option-table.js';

export function sessionEventsWanted(server: EventEmitter): boolean {
  return server.listenerCount('newSession') > 0 || server.listenerCount('resumeSession') > 0;
}

function multipleCallbacks(): Error {
  return Object.assign(new Error('Callback called multiple times'), { code: 'ERR_MULTIPLE_CALLBACK' });
}

/** One connection's session store, answered by the server's events. */
export class SessionEventStore implements SessionStore {
  private savesPending = 0;
  private afterSaves: (() => void)[] = [];

  /** `fail`: ends the connection with an error (the application's, or one about its answer). */
  constructor(
    private readonly server: EventEmitter,
    private readonly fail: (err: Error) => void,
  ) {}

  get(id: Uint8Array): Promise<Uint8Array | undefined> | undefined {
    if (this.server.listenerCount('resumeSession') === 0) return undefined;
    return new Promise((resolve) => {
      let called = false;
      this.server.emit('resumeSession', Buffer.from(id), (err: Error | null | undefined, data?: unknown) => {
        if (called) {
          this.fail(multipleCallbacks());
          return;
        }
        called = true;
        if (err) {
          this.fail(err);
          resolve(undefined);
        } else if (data === undefined || data === null) {
          resolve(undefined); // not in the application's cache: a full handshake
        } else if (!(data instanceof Uint8Array)) {
          this.fail(invalidServerArg('sessionData', 'a Buffer (what newSession gave)', data));
          resolve(undefined);
        } else {
          resolve(Uint8Array.from(data)); // a copy: the application may reuse its buffer
        }
      });
    });
  }

  set(id: Uint8Array, session: Uint8Array): void {
    if (this.server.listenerCount('newSession') === 0) return;
    this.savesPending++;
    let called = false;
    this.server.emit('newSession', Buffer.from(id), Buffer.from(session), () => {
      if (called) return;
      called = true;
      if (--this.savesPending > 0) return;
      const waiting = this.afterSaves;
      this.afterSaves = [];
      for (const run of waiting) run();
    });
  }

  delete(): void {
    // The application's cache: nothing of ours to remove.
  }

  /** Runs `then` once every 'newSession' listener called back (node delays 'secureConnection' so). */
  whenSaved(then: () => void): void {
    if (this.savesPending === 0) then();
    else this.afterSaves.push(then);
  }
}
