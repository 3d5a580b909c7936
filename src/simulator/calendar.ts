/**
 * PVE calendar events (the systemd-like subset PVE documents): `[weekdays] [hour:]minute`, with lists
 * (`a,b`), ranges (`a..b`), steps (`*\/15`, `8/2`) and the words hourly, daily, weekly, monthly.
 * Used for backup/replication/realm-sync schedules and `/cluster/jobs/schedule-analyze`.
 */

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export interface CalendarEvent {
  days: Set<number>;
  hours: Set<number>;
  minutes: Set<number>;
  /** Only `monthly`: the first day of the month. */
  monthday?: number;
}

function field(spec: string, max: number, what: string): Set<number> {
  const out = new Set<number>();
  for (const part of spec.split(',')) {
    const m = /^(\*|\d{1,2})(?:\.\.(\d{1,2}))?(?:\/(\d{1,2}))?$/.exec(part);
    if (!m) throw new Error(`unable to parse calendar event - invalid ${what} '${part}'`);
    const start = m[1] === '*' ? 0 : Number(m[1]);
    const end = m[2] !== undefined ? Number(m[2]) : m[1] === '*' || m[3] !== undefined ? max : start;
    const step = m[3] !== undefined ? Number(m[3]) : 1;
    if (start > max || end > max || step < 1) throw new Error(`unable to parse calendar event - ${what} out of range '${part}'`);
    for (let v = start; v <= end; v += step) out.add(v);
  }
  return out;
}

function days(spec: string): Set<number> {
  const out = new Set<number>();
  for (const part of spec.toLowerCase().split(',')) {
    const [a, b] = part.split('..');
    const from = DAYS.indexOf(a.slice(0, 3));
    const to = b === undefined ? from : DAYS.indexOf(b.slice(0, 3));
    if (from < 0 || to < 0) throw new Error(`unable to parse calendar event - invalid weekday '${part}'`);
    for (let d = from; ; d = (d + 1) % 7) {
      out.add(d);
      if (d === to) break;
    }
  }
  return out;
}

export function parseCalendarEvent(text: string): CalendarEvent {
  const spec = text.trim().toLowerCase();
  const all = (n: number) => new Set(Array.from({ length: n }, (_, i) => i));
  switch (spec) {
    case 'minutely':
      return { days: all(7), hours: all(24), minutes: all(60) };
    case 'hourly':
      return { days: all(7), hours: all(24), minutes: new Set([0]) };
    case 'daily':
      return { days: all(7), hours: new Set([0]), minutes: new Set([0]) };
    case 'weekly':
      return { days: new Set([1]), hours: new Set([0]), minutes: new Set([0]) };
    case 'monthly':
      return { days: all(7), hours: new Set([0]), minutes: new Set([0]), monthday: 1 };
  }
  const parts = spec.split(/\s+/).filter(Boolean);
  if (!parts.length || parts.length > 2) throw new Error(`unable to parse calendar event '${text}'`);
  let dayset = all(7);
  let time = parts[parts.length - 1];
  if (/^[a-z]/.test(parts[0])) {
    dayset = days(parts[0]);
    time = parts[1] ?? '0:00';
  } else if (parts.length === 2) throw new Error(`unable to parse calendar event '${text}'`);
  const [h, m] = time.includes(':') ? time.split(':') : ['*', time];
  return { days: dayset, hours: field(h, 23, 'hour'), minutes: field(m, 59, 'minute') };
}

/** The next `count` times (UNIX seconds, UTC) the event fires after `start`. */
export function nextEvents(event: CalendarEvent, start: number, count: number): number[] {
  const out: number[] = [];
  let t = Math.floor(start / 60) * 60 + 60;
  const limit = t + 366 * 86400;
  while (out.length < count && t < limit) {
    const d = new Date(t * 1000);
    if (
      event.days.has(d.getUTCDay()) &&
      event.hours.has(d.getUTCHours()) &&
      event.minutes.has(d.getUTCMinutes()) &&
      (event.monthday === undefined || d.getUTCDate() === event.monthday)
    ) {
      out.push(t);
    }
    t += 60;
  }
  return out;
}
