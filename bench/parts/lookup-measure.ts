/** Timing helpers of the lookup bench: percentiles, and interleaved blocks of calls. */
import http from 'node:http';

export interface Summary {
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export function summary(samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    p50: round(percentile(s, 0.5)),
    p99: round(percentile(s, 0.99)),
    mean: round(s.reduce((a, b) => a + b, 0) / s.length),
  };
}

export async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/**
 * Each path called `iterations` times in interleaved blocks of 50 (after `warmup` calls each), so
 * drift on the shared machine hits every path alike.
 */
export async function interleaved<K extends string>(
  paths: Record<K, () => Promise<unknown>>,
  iterations: number,
  warmup = 300,
): Promise<Record<K, Summary>> {
  const names = Object.keys(paths) as K[];
  for (let i = 0; i < warmup; i++) for (const name of names) await paths[name]();
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  const block = 50;
  for (let done = 0; done < iterations; done += block) {
    for (const name of names) {
      for (let i = 0; i < block; i++) samples[name].push(await time(paths[name]));
    }
  }
  return Object.fromEntries(names.map((n) => [n, summary(samples[n])])) as Record<K, Summary>;
}

/** POSTs to the local lookup API over one keep-alive connection; 200 or it throws. */
export function keepAlivePoster(url: string): {
  post: (body: string) => Promise<void>;
  close: () => void;
} {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const post = (body: string) =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(
        `${url}/features`,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { post, close: () => agent.destroy() };
}
