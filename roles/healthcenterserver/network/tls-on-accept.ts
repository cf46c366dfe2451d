// TLS layered on an accepted TCP socket rather than Bun.listen's own `tls`: Bun reports a TLS
// connection only once the client has sent something, so one that never does would hold a file
// descriptor unseen, uncounted against --max-connections and never timed out.
import type { Socket, SocketHandler } from "bun";

/** Handlers for a plain listener that upgrades each accepted socket and reports it at once. */
export function tlsOnAccept<D>(
  tls: { cert: string; key: string },
  handlers: SocketHandler<D>,
  onOpen: (s: Socket<D>) => void,
): SocketHandler<D> {
  return {
    open(raw) {
      // The TLS socket's own `open` comes after the handshake; the connection counts from now.
      // The pair was read and matched at start-up; should the upgrade still fail, this one
      // connection is closed and the process goes on serving the others.
      let upgraded: Socket<D>;
      try {
        upgraded = raw.upgradeTLS<D>({ tls, socket: handlers })[1];
      } catch {
        raw.terminate();
        return;
      }
      onOpen(upgraded);
    },
    data() {},
  };
}
