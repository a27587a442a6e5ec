/**
 * The skew-check Lambda's event: EventBridge's scheduled event (check the UTC day before the
 * event's `time`, so a retry of the 03:00 run checks the same day), or `{ date, services? }` to
 * run a given day by hand.
 */
import { ValidationError } from '../core/errors.ts';

export interface SkewCheckEvent {
  /** `YYYY-MM-DD`: the UTC day to check. */
  readonly date?: string;
  readonly services?: readonly string[];
  /** Set by EventBridge on scheduled events (ISO-8601). */
  readonly time?: string;
  readonly 'detail-type'?: string;
}

export interface SkewCheckTarget {
  readonly date: string;
  readonly services?: readonly string[];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The day (and services) an event asks for; `now` is used when the event carries no time. */
export function skewCheckTarget(
  event: SkewCheckEvent | null | undefined,
  now: number,
): SkewCheckTarget {
  const e = event ?? {};
  if (e.date !== undefined) {
    if (
      typeof e.date !== 'string' ||
      !DAY.test(e.date) ||
      Number.isNaN(Date.parse(`${e.date}T00:00:00Z`))
    )
      throw new ValidationError(
        `event.date must be a UTC day YYYY-MM-DD, got ${JSON.stringify(e.date)}`,
        'date',
      );
  }
  if (
    e.services !== undefined &&
    (!Array.isArray(e.services) || !e.services.every((s) => typeof s === 'string'))
  )
    throw new ValidationError('event.services must be a list of feature service names', 'services');
  const base = e.time !== undefined ? Date.parse(e.time) : now;
  if (Number.isNaN(base))
    throw new ValidationError(`event.time is not an instant: ${JSON.stringify(e.time)}`, 'time');
  const date = e.date ?? new Date(base - 86_400_000).toISOString().slice(0, 10);
  return { date, ...(e.services ? { services: e.services } : {}) };
}
