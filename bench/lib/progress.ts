/** One line on stderr saying what is being measured, so a two-minute run is not silent; stdout keeps only the table. */
export function progress(message: string): void {
  process.stderr.write(`  · ${message}\n`);
}
