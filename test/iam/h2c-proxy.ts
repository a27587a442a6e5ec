/**
 * An HTTP/2 (cleartext) front for an HTTP/1.1 stand-in: the SDK's Kinesis client speaks HTTP/2
 * by default and kinesalite speaks HTTP/1.1 only, so a CLI that builds its own Kinesis client
 * reaches kinesalite through this.
 */
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

export async function h2cProxy(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server = http2.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // HTTP/2 pseudo-headers (`:method`, `:path`...) are not HTTP/1.1 headers.
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => !k.startsWith(':')),
      );
      const forward = http.request(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers,
        },
        (answer) => {
          // Connection-specific HTTP/1.1 headers are forbidden in HTTP/2 (RFC 9113, 8.2.2).
          const hopByHop = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade'];
          const rest = Object.fromEntries(
            Object.entries(answer.headers).filter(([k]) => !hopByHop.includes(k)),
          );
          res.writeHead(answer.statusCode ?? 500, rest);
          answer.pipe(res);
        },
      );
      forward.on('error', (e) => res.destroy(e));
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
