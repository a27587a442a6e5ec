/**
 * The local stand-in for API Gateway: a node:http server on 127.0.0.1 that turns each request
 * into an HTTP API (payload 2.0) event and calls the same lookup handler the Lambda runs.
 * Routes: `POST /features`, `GET /health`; 405 for another method on them, 404 otherwise.
 * `POST /features` takes `application/json` only (415 otherwise): a web page can send a
 * `text/plain` or form POST to 127.0.0.1 without a CORS preflight, but not a JSON one.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';

export type HttpApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export interface LookupServer {
  /** Base URL, e.g. `http://127.0.0.1:53121` (the lookup is `${url}/features`). */
  readonly url: string;
  close(): Promise<void>;
}

/** API Gateway's own payload limit; the handler applies its smaller one with a clear 400. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

const ROUTES: Readonly<Record<string, string>> = { '/features': 'POST', '/health': 'GET' };

export async function startLookupServer(options: {
  readonly handler: HttpApiHandler;
  /** @default 0 (a free port) */
  readonly port?: number;
}): Promise<LookupServer> {
  const server = http.createServer((req, res) => {
    void serve(options.handler, req, res);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serve(
  handler: HttpApiHandler,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  // An origin-form target is a path: `//features` is a path, not a host named features.
  const target = req.url ?? '/';
  const url = target.startsWith('/')
    ? new URL(`http://localhost${target}`)
    : new URL(target, 'http://localhost');
  const method = req.method ?? 'GET';
  const allowed = ROUTES[url.pathname];
  try {
    if (!allowed) {
      const routes = Object.entries(ROUTES).map(([path, m]) => `${m} ${path}`);
      return send(res, 404, {
        error: { message: `no route '${url.pathname}' (routes: ${routes.join(', ')})` },
      });
    }
    if (method !== allowed) {
      return send(
        res,
        405,
        { error: { message: `${url.pathname} takes ${allowed}` } },
        { allow: allowed },
      );
    }
    if (url.pathname === '/health') return send(res, 200, { ok: true });
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      return send(res, 415, {
        error: {
          message: `${url.pathname} takes content-type application/json, got ${type || 'none'}`,
        },
      });
    }
    const body = await readBody(req);
    if (body === undefined) {
      return send(res, 413, {
        error: { message: `payload larger than ${MAX_PAYLOAD_BYTES} bytes` },
      });
    }
    const event = toEvent(req, url, method, body);
    const result = await handler(event, lambdaContext(event.requestContext.requestId));
    res.writeHead(result.statusCode ?? 200, flatHeaders(result.headers));
    res.end(result.body ?? '');
  } catch (error) {
    // The handler maps its own faults to 500; this is the server's last line of defence.
    console.error('lookup server:', error);
    if (!res.headersSent) send(res, 500, { error: { message: 'internal error' } });
    else res.destroy();
  }
}

function toEvent(
  req: http.IncomingMessage,
  url: URL,
  method: string,
  body: string,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const now = Date.now();
  const routeKey = `${method} ${url.pathname}`;
  const query = url.searchParams.size > 0 ? Object.fromEntries(url.searchParams) : undefined;
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    body,
    isBase64Encoded: false,
  };
}

function lambdaContext(requestId: string): Context {
  const deadline = Date.now() + 29_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'skewless-lookup-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:skewless-lookup-local',
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/skewless-lookup-local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_PAYLOAD_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...extra });
  res.end(JSON.stringify(body));
}

function flatHeaders(
  headers: APIGatewayProxyStructuredResultV2['headers'],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k] = String(v);
  return out;
}
