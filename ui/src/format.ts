// How numbers and times read on the page. Costs are US dollars, as the price sheet's are.

const money2 = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const money4 = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 });

/** `$2.40`; amounts under a dollar keep up to four decimals (`$0.0965`). */
export function money(n: number): string {
  return Math.abs(n) < 1 ? money4.format(n) : money2.format(n);
}

/** A signed monthly delta: `+$2.40/mo`, `−$12.02/mo`, `±$0.00/mo`. */
export function delta(n: number): string {
  const sign = n > 0 ? '+' : n < 0 ? '−' : '±';
  return `${sign}${money(Math.abs(n))}/mo`;
}

// Made once: toLocale*String builds a formatter per call, which a thousand rows notice.
const clockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });

/** `14:58:44` in the viewer's time zone. */
export function clockTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : clockFormat.format(d);
}

/** `Tue 28 Feb 2023`, the day heading of the timeline. */
export function dayOf(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso.slice(0, 10) : dayFormat.format(d);
}

/** `2023-02-28 14:58:44` local, for tables. */
export function dateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (x: number) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** `3 min ago`, relative to `nowMs`. */
export function ago(iso: string, nowMs: number): string {
  const s = Math.round((nowMs - new Date(iso).getTime()) / 1000);
  if (!Number.isFinite(s)) return '';
  if (s < 60) return s <= 1 ? 'just now' : `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/** `1 h`, `5 min`, `1 d`, for ETL_RESOLUTION. */
export function duration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

/** A window `10:00–11:00 3 Jun` from its RFC 3339 ends. */
export function windowText(w: { readonly start: string; readonly end: string } | undefined): string {
  if (w === undefined) return '';
  return `${dateTime(w.start)} → ${dateTime(w.end).slice(11)}`.replace(/ → 00:00:00$/, ' → 24:00:00');
}
