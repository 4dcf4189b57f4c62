import { money } from '../format.js';

/** One bar: its label and the parts stacked in it, in the order of `series`. */
export interface Bar {
  readonly label: string;
  readonly parts: readonly number[];
}

/** A series of the stack: its name and the CSS class that colours it. */
export interface Series {
  readonly name: string;
  readonly className: string;
}

const ROW = 26;
const LABEL_W = 190;
const VALUE_W = 90;
const WIDTH = 960;

/**
 * A horizontal stacked bar chart, drawn as SVG by hand: the page needs one kind of chart, which a
 * library would add tens of KB for. Colours come from the stylesheet (CSP allows no inline style).
 * The table beside it holds the same figures for screen readers and sorting.
 */
export function BarChart({ title, bars, series }: { title: string; bars: readonly Bar[]; series: readonly Series[] }) {
  const max = Math.max(0, ...bars.map((b) => b.parts.reduce((s, p) => s + Math.max(0, p), 0)));
  const plot = WIDTH - LABEL_W - VALUE_W;
  const height = bars.length * ROW + 8;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${height}`} width="100%" role="img" aria-label={title} preserveAspectRatio="xMinYMin meet">
        {bars.map((b, i) => {
          const y = i * ROW + 4;
          let x = LABEL_W;
          const total = b.parts.reduce((s, p) => s + p, 0);
          return (
            <g key={b.label} class="bar">
              <title>{`${b.label}: ${money(total)}`}</title>
              <text x={LABEL_W - 8} y={y + ROW / 2 + 1} class="bar-label" text-anchor="end" dominant-baseline="middle">
                {b.label.length > 24 ? `${b.label.slice(0, 23)}…` : b.label}
              </text>
              {b.parts.map((p, j) => {
                const w = max > 0 ? (Math.max(0, p) / max) * plot : 0;
                const rect = <rect key={j} x={x} y={y + 3} width={w} height={ROW - 8} class={series[j]?.className} />;
                x += w;
                return rect;
              })}
              <text x={x + 6} y={y + ROW / 2 + 1} class="bar-value" dominant-baseline="middle">
                {money(total)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption class="legend">
        {series.map((s) => (
          <span key={s.name}>
            <svg width="10" height="10" aria-hidden="true">
              <rect width="10" height="10" rx="2" class={s.className} />
            </svg>{' '}
            {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
