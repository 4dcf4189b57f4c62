import { formatGoal, formatRatio, formatValue } from './format.js';
import { ratioOf, verdictOf, type Result } from './result.js';

const HEADER = ['figure', 'value', 'baseline', 'ratio', 'goal', 'verdict'] as const;

/** The report: one table of every figure, then the notes the figures carry, numbered. */
export function renderTable(results: readonly Result[]): string {
  const notes: string[] = [];
  const rows = results.map((r) => {
    let figure = r.figure;
    if (r.note !== undefined) {
      notes.push(r.note);
      figure += ` [${notes.length}]`;
    }
    const ratio = ratioOf(r);
    return [
      figure,
      formatValue(r.value, r.unit),
      r.baseline === undefined ? '' : formatValue(r.baseline, r.unit),
      ratio === undefined ? '' : formatRatio(ratio),
      r.goal === undefined ? '' : formatGoal(r.goal, r.unit),
      verdictOf(r) ?? '',
    ];
  });
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  // Text left, numbers right, as a reader scans them.
  const align = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 || i >= 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ').trimEnd();
  const lines = [align(HEADER), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(align)];
  notes.forEach((n, i) => lines.push(`${i === 0 ? '\n' : ''}[${i + 1}] ${n}`));
  return lines.join('\n');
}
