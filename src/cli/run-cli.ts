import { bugReportCommand, USAGE, type CliIo } from './bugreport-command.js';

/** The `cost-events` command line: dispatches on the command; returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'bugreport') return bugReportCommand(rest, io);
  if (command === '--version' || command === '-v' || command === 'version') {
    io.stdout.write(`${io.version}\n`);
    return 0;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? io.stderr : io.stdout).write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  io.stderr.write(`cost-events: unknown command ${JSON.stringify(command)}\n\n${USAGE}\n`);
  return 2;
}
