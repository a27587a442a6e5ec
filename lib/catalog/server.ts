/**
 * `skewless ui`'s server: Node's http on 127.0.0.1 only, read-only (GET and HEAD), serving the
 * bucket's layout — `/catalog/…` pages and the `/skew-reports/…` they link — from an injected
 * source (pages rendered in memory with the local reports folder, or the bucket itself). Every
 * response carries a strict Content-Security-Policy; a path is a few safe segments or a 404.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CATALOG_CSP_HEADER, CATALOG_CSP_META, REPORT_CSP_HEADER } from './page.ts';

export interface ServedFile {
  readonly body: string | Uint8Array;
  readonly contentType: string;
}

/** Where the pages come from; `undefined` is a 404. Paths are checked before they get here. */
export interface CatalogSource {
  /** A page under `catalog/` (e.g. `view/airport_delays.html`). */
  catalogFile(path: string): Promise<ServedFile | undefined>;
  /** A file under `skew-reports/` (e.g. `2001-03-02/departure_delay_model.html`). */
  reportFile(path: string): Promise<ServedFile | undefined>;
}

export interface CatalogServer {
  readonly url: string;
  close(): Promise<void>;
}

export const CATALOG_HOST = '127.0.0.1';
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** The path under a prefix when every segment is a plain name, else undefined. */
export function safeSubPath(pathname: string, prefix: string): string | undefined {
  if (!pathname.startsWith(prefix)) return undefined;
  let rest: string;
  try {
    rest = decodeURIComponent(pathname.slice(prefix.length));
  } catch {
    return undefined;
  }
  const segments = rest.split('/');
  return segments.length > 0 && segments.every((s) => SEGMENT.test(s) && !s.includes('..'))
    ? rest
    : undefined;
}

export async function startCatalogServer(source: CatalogSource, port = 0): Promise<CatalogServer> {
  const server = http.createServer((req, res) => {
    handle(source, req, res).catch((error: unknown) => {
      // A store that failed: said briefly, never a stack trace to the browser.
      console.error(`skewless ui: ${req.url}: ${(error as Error).message}`);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'the store failed');
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, CATALOG_HOST, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${CATALOG_HOST}:${bound}/catalog/index.html`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(
  source: CatalogSource,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'text/plain; charset=utf-8', 'read-only');
  }
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  if (pathname === '/' || pathname === '/catalog' || pathname === '/catalog/') {
    res.setHeader('Location', '/catalog/index.html');
    return send(res, 302, 'text/plain; charset=utf-8', '');
  }
  const page = safeSubPath(pathname, '/catalog/');
  const report = safeSubPath(pathname, '/skew-reports/');
  const file =
    page !== undefined
      ? await source.catalogFile(page)
      : report !== undefined
        ? await source.reportFile(report)
        : undefined;
  if (!file) return send(res, 404, 'text/plain; charset=utf-8', 'not found');
  res.setHeader(
    'Content-Security-Policy',
    page !== undefined ? pagePolicy(file) : REPORT_CSP_HEADER,
  );
  send(res, 200, file.contentType, req.method === 'HEAD' ? '' : file.body);
}

/**
 * The header policy of a catalog page: ours, or — for a page rendered by another version of
 * skewless (the nightly Lambda's, served by `ui --aws`), whose inline blocks hash differently —
 * the policy its own meta tag states, when that is as closed (`default-src 'none'`, nothing
 * unsafe, no host). Header and meta must agree, since a browser enforces both.
 */
function pagePolicy(file: ServedFile): string {
  const text = typeof file.body === 'string' ? file.body : Buffer.from(file.body).toString('utf8');
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(text)?.[1];
  const policy = meta?.replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  if (!policy || policy === CATALOG_CSP_META) return CATALOG_CSP_HEADER;
  return policy.startsWith("default-src 'none';") && !/unsafe-|\*|https?:/.test(policy)
    ? `${policy}; frame-ancestors 'none'`
    : CATALOG_CSP_HEADER;
}

function send(
  res: http.ServerResponse,
  status: number,
  contentType: string,
  body: string | Uint8Array,
): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  if (!res.hasHeader('Content-Security-Policy'))
    res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
  res.end(body);
}
