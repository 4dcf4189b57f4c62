import { errorMessage } from '../errors.js';
/** What the command touches outside itself, injectable so tests run it in-process. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly fetch: typeof fetch;
  writeFile(path: string, data: string): Promise<void>;
  /** For the default file name. */
  now(): Date;
  /** What `--version` prints (build-info.ts `versionLine`). */
  readonly version: string;
}

/** The `cost-events` command line's usage text. */
export const USAGE = `Usage: cost-events bugreport [--url http://host:9090] [--out file.json]
       cost-events --version

Fetches the bug-report dump (GET /model/bugreport) from a running cost-events server and writes
it to a file to attach to a bug report: build, settings (secrets masked), readiness, watchers,
storage, metrics, the last warnings and errors, the ETL log and the audit events.

  --url URL    the server (default http://localhost:9090); from outside a cluster, first
               kubectl port-forward svc/cost-events 9090:9090
  --out FILE   where to write it (default cost-events-bugreport-<UTC time>.json in the current
               directory; .gitignore ignores that pattern); - for stdout
  --help       this text

The server itself runs with: node dist/main.js (see --help there).`;

/** How long the whole fetch may take: a dump with large logs still arrives well within it. */
const TIMEOUT_MS = 60_000;

/** A command line that does not parse; the message says what is wrong. */
class UsageError extends Error {}

interface Args {
  readonly url: string;
  readonly out: string | undefined;
}

/** Parses `bugreport`'s options; a UsageError names what is wrong. */
function parseArgs(argv: readonly string[]): Args {
  let url = 'http://localhost:9090';
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (name !== '--url' && name !== '--out') throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') throw new UsageError(`${name} needs a value`);
    if (name === '--url') url = value;
    else out = value;
  }
  if (!/^https?:\/\//.test(url) || !URL.canParse(url)) throw new UsageError(`--url must be an http:// or https:// URL, got ${JSON.stringify(url)}`);
  return { url, out };
}

/** Why a fetch failed, in the words of the socket error underneath (`connect ECONNREFUSED 127.0.0.1:9090`). */
function failureOf(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  // undici reports network failures as TypeError('fetch failed') with the socket error as cause.
  if (err instanceof Error && err.cause instanceof Error) return err.cause.message;
  return errorMessage(err);
}

const defaultFile = (now: Date) => `cost-events-bugreport-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.json`;

/** `cost-events bugreport`: fetches the dump and writes it; returns the exit code (0, 1 unreachable or refused, 2 usage). */
export async function bugReportCommand(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`cost-events: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  const endpoint = new URL('model/bugreport', args.url.endsWith('/') ? args.url : `${args.url}/`);
  let response: Response;
  try {
    response = await io.fetch(endpoint, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    io.stderr.write(
      `cost-events: cannot reach the server at ${args.url} (${failureOf(err)}).\n` +
        'Is cost-events running there? Give its address with --url; from outside the cluster, first run\n' +
        '  kubectl port-forward svc/cost-events 9090:9090\n',
    );
    return 1;
  }
  const text = await response.text();
  let dump: unknown;
  try {
    dump = JSON.parse(text);
  } catch {
    dump = undefined;
  }
  if (response.status !== 200 || typeof dump !== 'object' || dump === null || !('data' in dump)) {
    const message = typeof dump === 'object' && dump !== null && 'message' in dump ? String(dump.message) : text.slice(0, 200);
    io.stderr.write(`cost-events: ${endpoint.href} answered HTTP ${response.status}${message === '' ? '' : `: ${message}`}\nIs this a cost-events server, of a version that has the bug-report dump?\n`);
    return 1;
  }
  const pretty = `${JSON.stringify(dump, null, 2)}\n`;
  if (args.out === '-') {
    io.stdout.write(pretty);
    return 0;
  }
  const file = args.out ?? defaultFile(io.now());
  await io.writeFile(file, pretty);
  io.stdout.write(`Wrote ${file} (${Buffer.byteLength(pretty)} bytes) from ${args.url}. Attach it to the bug report; secrets in the settings are masked.\n`);
  return 0;
}
