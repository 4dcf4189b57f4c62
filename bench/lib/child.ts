import { fork } from 'node:child_process';

type Message = { readonly event: string } | { readonly answer: unknown };

/**
 * Runs the TypeScript module at `moduleUrl` in a child process (with this process's tsx loader
 * plus `execArgv`, and this process's environment with `env` over it), sends it `input`, and resolves with its answer. Events the child emits on the
 * way reach `onEvent`, so the parent can time its own side to the child's phases.
 * The child side is {@link answerParent}.
 */
export function runChild(
  moduleUrl: URL,
  input: object,
  options: { execArgv?: readonly string[]; env?: Readonly<Record<string, string>>; onEvent?: (event: string) => void } = {},
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = fork(moduleUrl, [], {
      execArgv: [...process.execArgv, ...(options.execArgv ?? [])],
      ...(options.env !== undefined && { env: { ...process.env, ...options.env } }),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let answer: { value: unknown } | undefined;
    child.on('message', (raw) => {
      const message = raw as Message;
      if ('answer' in message) answer = { value: message.answer };
      else options.onEvent?.(message.event);
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (answer !== undefined) resolve(answer.value);
      else reject(new Error(`${moduleUrl.pathname} exited (${signal ?? `code ${code}`}) without an answer`));
    });
    child.send(input);
  });
}

/**
 * The child side of {@link runChild}: computes the answer from the parent's input (emitting
 * events on the way), sends it, and lets the process end. `compute` declares the input type it
 * expects; what crosses the IPC channel is not checked, so both sides import one pair of types.
 */
export function answerParent(compute: (input: never, emit: (event: string) => void) => Promise<object>): void {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('this module runs as a child of bench/lib/child.ts (runChild)');
  process.once('message', (input) => {
    compute(input as never, (event) => send({ event })).then(
      (answer) => send({ answer }, () => process.disconnect()),
      (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exit(1);
      },
    );
  });
}
