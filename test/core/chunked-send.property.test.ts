import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  chunkEntries,
  sendInChunks,
  type BatchLimits,
  type EntryError,
} from '../../lib/core/chunked-send.ts';
import type { RetryWorld } from '../../lib/core/retry.ts';
import { seeded } from '../ingest/fakes.ts';

interface Entry {
  readonly id: number;
  readonly size: number;
}

type Fate = 'ok' | 'transient' | 'permanent';
type CallFate = Fate | 'throw-transient' | 'throw-permanent' | 'short';

const limitsArb = fc
  .record({
    maxEntries: fc.integer({ min: 1, max: 6 }),
    maxBytes: fc.integer({ min: 1, max: 40 }),
  })
  .chain((l) =>
    fc.record({
      maxEntries: fc.constant(l.maxEntries),
      maxBytes: fc.constant(l.maxBytes),
      maxEntryBytes: fc.integer({ min: 1, max: l.maxBytes }),
    }),
  );

const entriesArb = fc
  .array(fc.integer({ min: 0, max: 45 }), { maxLength: 40 })
  .map((sizes) => sizes.map((size, id): Entry => ({ id, size })));

function world(maxAttempts: number, sleeps: number[] = []): RetryWorld {
  return {
    policy: { maxAttempts, baseDelayMs: 10, maxDelayMs: 40 },
    random: () => 0.5,
    sleep: async (ms) => void sleeps.push(ms),
  };
}

const transientError = (): Error =>
  Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
const permanentError = (): Error =>
  Object.assign(new Error('bad'), { name: 'ValidationException' });

describe('sendInChunks (the one chunked writer)', () => {
  it('sends every entry exactly once, in order, within the limits, when nothing fails', async () => {
    await fc.assert(
      fc.asyncProperty(limitsArb, entriesArb, async (limits, entries) => {
        const calls: Entry[][] = [];
        const report = await sendInChunks(entries, {
          limits,
          sizeOf: (e) => e.size,
          retry: world(3),
          send: async (chunk) => (calls.push([...chunk]), chunk.map(() => undefined)),
        });
        const sendable = entries.filter((e) => e.size <= limits.maxEntryBytes);
        expect(calls.flat()).toEqual(sendable);
        for (const call of calls) expectWithin(call, limits);
        expect(report.unsent.map((u) => u.entry)).toEqual(
          entries.filter((e) => e.size > limits.maxEntryBytes),
        );
        expect(report.unsent.every((u) => u.error.code === 'EntryTooLarge')).toBe(true);
        expect(report).toMatchObject({ calls: calls.length, resentEntries: 0 });
      }),
    );
  });

  it('resends only failed entries, at most maxAttempts times, and reports what it gave up on', async () => {
    await fc.assert(
      fc.asyncProperty(
        limitsArb,
        entriesArb,
        fc.integer({ min: 1, max: 5 }),
        fc.integer(),
        async (limits, entries, maxAttempts, seed) => {
          const random = seeded(seed);
          const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
          const calls: Entry[][] = [];
          // The oracle's view of each entry: how often it was sent, and its last fate.
          const sent = new Map<number, number>();
          const last = new Map<number, Fate>();
          const accepted: number[] = [];
          const sleeps: number[] = [];
          const report = await sendInChunks(entries, {
            limits,
            sizeOf: (e) => e.size,
            retry: world(maxAttempts, sleeps),
            send: async (chunk) => {
              calls.push([...chunk]);
              for (const e of chunk) {
                // Only an entry whose last call failed transiently may be sent again.
                if (sent.has(e.id)) expect(last.get(e.id)).toBe('transient');
                sent.set(e.id, (sent.get(e.id) ?? 0) + 1);
              }
              const call: CallFate = pick([
                'ok',
                'ok',
                'transient',
                'throw-transient',
                'throw-permanent',
                'short',
              ]);
              if (call === 'throw-transient' || call === 'throw-permanent') {
                const t = call === 'throw-transient';
                for (const e of chunk) last.set(e.id, t ? 'transient' : 'permanent');
                throw t ? transientError() : permanentError();
              }
              const fates = chunk.map((): Fate => pick(['ok', 'ok', 'transient', 'permanent']));
              // A short response says nothing of its last entry: it counts as failed, resent.
              const answered = call === 'short' ? chunk.length - 1 : chunk.length;
              for (const e of chunk.slice(answered)) last.set(e.id, 'transient');
              return chunk.slice(0, answered).map((e, i): EntryError | undefined => {
                const fate = fates[i]!;
                last.set(e.id, fate);
                if (fate === 'ok') accepted.push(e.id);
                if (fate === 'ok') return undefined;
                return fate === 'transient'
                  ? { code: 'ServiceUnavailableException', message: 'busy' }
                  : { code: 'InvalidArgumentException', message: 'no' };
              });
            },
          });
          for (const call of calls) expectWithin(call, limits);
          const sendable = entries.filter((e) => e.size <= limits.maxEntryBytes);
          // First sends happen in input order.
          const firsts = [...new Set(calls.flat().map((e) => e.id))];
          expect(firsts).toEqual(sendable.map((e) => e.id));
          // No entry is accepted twice, and none is sent more than maxAttempts times.
          expect(new Set(accepted).size).toBe(accepted.length);
          for (const n of sent.values()) expect(n).toBeLessThanOrEqual(maxAttempts);
          // Given up on: exactly the entries not accepted, each with the error it last met.
          const acceptedSet = new Set(accepted);
          expect(report.unsent.map((u) => u.entry.id)).toEqual(
            entries.filter((e) => !acceptedSet.has(e.id)).map((e) => e.id),
          );
          for (const u of report.unsent) {
            if (u.entry.size > limits.maxEntryBytes) expect(u.error.code).toBe('EntryTooLarge');
            else if (last.get(u.entry.id) === 'permanent')
              expect(sent.get(u.entry.id)).toBeGreaterThan(0);
            else expect(sent.get(u.entry.id)).toBe(maxAttempts);
          }
          expect(report.calls).toBe(calls.length);
          expect(report.sentEntries).toBe(calls.flat().length);
          expect(report.resentEntries).toBe(calls.flat().length - sendable.length);
        },
      ),
    );
  });

  it('chunks never exceed the limits and keep input order', () => {
    fc.assert(
      fc.property(limitsArb, entriesArb, (limits, entries) => {
        const chunks = chunkEntries(entries, limits, (e) => e.size);
        expect(chunks.flat()).toEqual(entries);
        for (const chunk of chunks) {
          expect(chunk.length).toBeGreaterThan(0);
          // A single entry larger than a call stands alone (the sender refuses it before).
          if (chunk.length > 1) {
            expect(chunk.length).toBeLessThanOrEqual(limits.maxEntries);
            expect(chunk.reduce((n, e) => n + e.size, 0)).toBeLessThanOrEqual(limits.maxBytes);
          }
        }
      }),
    );
  });
});

function expectWithin(call: readonly Entry[], limits: BatchLimits): void {
  expect(call.length).toBeLessThanOrEqual(limits.maxEntries);
  expect(call.reduce((n, e) => n + e.size, 0)).toBeLessThanOrEqual(limits.maxBytes);
  for (const e of call) expect(e.size).toBeLessThanOrEqual(limits.maxEntryBytes);
}
