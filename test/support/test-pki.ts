import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { realToolAvailable } from './real-tools.js';

const run = promisify(execFile);

/** The real openssl that makes the certificates; Debian's base system has it (`.ci/run` installs it when absent). */
export const OPENSSL = '/usr/bin/openssl';

/** Whether openssl can run: in CI it must; locally the TLS tests skip loudly without it. */
export function opensslAvailable(): boolean {
  return realToolAvailable('openssl', OPENSSL, 'Install openssl (apt-get install -y openssl) to make the test PKI of the TLS tests');
}

/** A PEM certificate and its private key. */
export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

/**
 * A small PKI as a cluster has one: a CA, an API server certificate it signed (for 127.0.0.1 and
 * localhost), two client certificates it signed (`CN=cost-events, O=system:masters`, what kubeadm's
 * admin.conf carries, and its rotated successor), and an unrelated CA whose trust must get nobody in.
 */
export interface TestPki {
  readonly ca: string;
  readonly server: KeyPair;
  readonly client: KeyPair;
  /** Another client certificate the CA signed (`CN=cost-events-rotated`): the first one's successor. */
  readonly rotatedClient: KeyPair;
  /** A CA that signed none of the above. */
  readonly otherCa: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Makes a fresh {@link TestPki} with the real openssl (EC P-256 keys, so it takes tens of ms); nothing is kept on disk. */
export async function makeTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'test-pki-'));
  const at = (name: string): string => join(dir, name);
  const openssl = (...args: string[]) => run(OPENSSL, args, { cwd: dir });
  const makeCa = (name: string) =>
    openssl('req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '3650', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const sign = async (name: string, subject: string, extensions: string): Promise<KeyPair> => {
    await writeFile(at(`${name}.ext`), extensions);
    await openssl('req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    await openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '3650', '-extfile', `${name}.ext`);
    return { cert: await readFile(at(`${name}.crt`), 'utf8'), key: await readFile(at(`${name}.key`), 'utf8') };
  };
  try {
    await Promise.all([makeCa('ca'), makeCa('other-ca')]);
    const server = await sign('server', '/CN=kube-apiserver', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    const client = await sign('client', '/O=system:masters/CN=cost-events', 'extendedKeyUsage=clientAuth\n');
    const rotatedClient = await sign('rotated', '/O=system:masters/CN=cost-events-rotated', 'extendedKeyUsage=clientAuth\n');
    return { ca: await readFile(at('ca.crt'), 'utf8'), server, client, rotatedClient, otherCa: await readFile(at('other-ca.crt'), 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
