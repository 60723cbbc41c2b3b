/** Starts a test server on 127.0.0.1 on a port the OS picks; `close` drops open connections and stops it. */
import type http from 'node:http';
import type https from 'node:https';
import type { AddressInfo } from 'node:net';

export async function listenOnLoopback(server: http.Server | https.Server): Promise<{ port: number; close(): Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
