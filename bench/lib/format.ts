import type { Goal, Unit } from './result.js';

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A value in its unit, with the precision that unit deserves. */
export function formatValue(value: number, unit: Unit): string {
  switch (unit) {
    case 'ms':
      return `${value.toFixed(2)} ms`;
    case 'µs':
      return `${value.toFixed(1)} µs`;
    case 'MB':
      return `${value.toFixed(1)} MB`;
    case '%':
      return `${value.toFixed(0)} %`;
    default:
      return `${grouped.format(value)} ${unit}`;
  }
}

/** A ratio as `0.97×`. */
export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}×`;
}

/** A goal as `≥ 0.90× baseline` or `≤ 10.0 MB`. */
export function formatGoal(goal: Goal, unit: Unit): string {
  const op = goal.op === '>=' ? '≥' : '≤';
  return goal.on === 'ratio' ? `${op} ${formatRatio(goal.limit)} baseline` : `${op} ${formatValue(goal.limit, unit)}`;
}
