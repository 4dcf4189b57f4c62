/**
 * Runs a fake API server for manual checks (scripts/check-fake-kube.sh): seeds a few objects,
 * prints its kubeconfig path on the first stdout line, then obeys one command per stdin line:
 * `create <plural> <ns> <name>`, `scale <plural> <ns> <name> <replicas>`, `delete <plural> <ns> <name>`, `quit`.
 * Creates and scales carry managedFields as kubectl's would (`kubectl-create`; `kubectl`, subresource `scale`).
 */
import { createInterface } from 'node:readline';
import { deploymentObject, nodeObject, podObject } from './objects.js';
import { writeKubeconfig } from './kubeconfig.js';
import { FakeKubeServer } from './server.js';

async function main(): Promise<void> {
  const fake = await FakeKubeServer.start();
  fake.create('deployments', deploymentObject('default', 'web', 2));
  fake.create('deployments', deploymentObject('x', 'api', 3, { cpu: '250m', memory: '128Mi' }));
  fake.create('deployments', deploymentObject('x', 'worker', 1));
  fake.create('pods', podObject('x', 'api-7d9f8-abcde'));
  fake.create('pods', podObject('x', 'api-7d9f8-fghij'));
  fake.create('nodes', nodeObject('node-a'));
  const kc = await writeKubeconfig(fake.url);
  process.stdout.write(`${kc.path}\n`);

  const shutdown = async (code: number): Promise<void> => {
    await fake.close();
    await kc.remove();
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));

  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    const [cmd, plural = 'deployments', ns = 'default', name = 'x', arg] = line.trim().split(/\s+/);
    try {
      if (cmd === 'quit') break;
      // Written as kubectl writes them: managedFields name kubectl-create, and kubectl through the scale subresource.
      if (cmd === 'create') fake.create(plural, plural === 'pods' ? podObject(ns, name) : deploymentObject(ns, name), { manager: 'kubectl-create' });
      else if (cmd === 'scale') fake.scale(plural, ns, name, Number(arg), 'kubectl');
      else if (cmd === 'delete') fake.delete(plural, ns, name);
      else if (cmd !== undefined && cmd !== '') process.stderr.write(`unknown command: ${cmd}\n`);
    } catch (err) {
      process.stderr.write(`${String(err)}\n`);
    }
  }
  await shutdown(0);
}

await main();
