import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { collectSecrets, scrubSecrets } from '../../src/bugreport/secrets.js';
import { loadConfig, type Config } from '../../src/config.js';

const config = (env: Record<string, string>): Config => {
  const r = loadConfig(env);
  if (r.help) throw new Error('unexpected help');
  return r.config;
};

describe('the secrets a bug report must not show', () => {
  it('are the passwords and secret parameters of URL settings, as written and decoded', () => {
    const c = config({ STORAGE_URL: 'postgres://cost:p%40ssw0rd@db/events?sslpassword=k3y-pass', COST_PREDICTOR: 'kubecost', KUBECOST_URL: 'https://admin:hunter22@kubecost.example' });
    expect(collectSecrets(c, undefined).sort()).toEqual(['hunter22', 'k3y-pass', 'p%40ssw0rd', 'p@ssw0rd']);
  });

  it("are the kubeconfig's tokens, passwords, keys, certificates and exec secrets, not the paths to them", () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://k8s.example', caData: 'Q0EtREFUQS1CQVNFNjQ=' }],
      users: [
        { name: 'a', token: 'kc-token-0123456789' },
        { name: 'b', username: 'admin', password: 'kc-password', keyData: 'S0VZLURBVEE=', certData: 'Q0VSVC1EQVRB' },
        { name: 'c', authProvider: { name: 'oidc', config: { 'id-token': 'oidc-id-token', 'client-secret': 'oidc-secret', 'idp-issuer-url': 'https://issuer.example' } } },
        { name: 'd', authProvider: { name: 'tokenFile', config: { tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' } } },
        { name: 'e', exec: { command: 'aws', args: ['eks', 'get-token'], env: [{ name: 'AWS_SECRET_ACCESS_KEY', value: 'aws-secret-value' }] } },
      ],
      contexts: [{ name: 'c', cluster: 'c', user: 'a' }],
      currentContext: 'c',
    });
    expect(collectSecrets(config({}), kc).sort()).toEqual(
      ['Q0EtREFUQS1CQVNFNjQ=', 'Q0VSVC1EQVRB', 'S0VZLURBVEE=', 'aws-secret-value', 'kc-password', 'kc-token-0123456789', 'oidc-id-token', 'oidc-secret'].sort(),
    );
  });

  it('are masked in every string, keys included, longest first', () => {
    const scrubbed = scrubSecrets({ err: 'connect to postgres://cost:s3cret-pass@db failed', list: ['x s3cret-pass-longer y'], 's3cret-pass': 1 }, ['s3cret-pass-longer', 's3cret-pass']);
    expect(scrubbed).toEqual({ err: 'connect to postgres://cost:***@db failed', list: ['x *** y'], '***': 1 });
  });

  it('leave numbers, booleans and null alone', () => {
    expect(scrubSecrets({ n: 1234, b: true, z: null }, ['1234'])).toEqual({ n: 1234, b: true, z: null });
  });
});
