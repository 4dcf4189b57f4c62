import { describe, expect, it } from 'vitest';
import { WorkloadError } from '../../src/cost/errors.js';
import { fieldPath, parseWorkloadObject } from '../../src/cost/workload-object.js';

describe('parseWorkloadObject', () => {
  it('returns a well-formed manifest as it is', () => {
    const doc = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { replicas: 2, template: { spec: { containers: [{ name: 'a', image: 'nginx' }] } } },
    };
    expect(parseWorkloadObject(doc)).toBe(doc);
  });

  it('names the field that has the wrong type, in Kubernetes notation', () => {
    expect(() => parseWorkloadObject({ spec: { template: { spec: { containers: { name: 'a' } } } } })).toThrow(
      'spec.template.spec.containers: expected array',
    );
  });

  it('names an indexed field inside a list', () => {
    expect(() =>
      parseWorkloadObject({ spec: { template: { spec: { containers: [{ name: 'a' }, { resources: 'big' }] } } } }),
    ).toThrow('spec.template.spec.containers[1].resources: expected object');
  });

  it('rejects negative replicas', () => {
    expect(() => parseWorkloadObject({ spec: { replicas: -1 } })).toThrow(
      'spec.replicas: expected integer to be greater or equal to 0',
    );
  });

  it('rejects fractional replicas', () => {
    expect(() => parseWorkloadObject({ spec: { replicas: 1.5 } })).toThrow('spec.replicas: expected integer');
  });

  it('rejects a document that is not an object', () => {
    expect(() => parseWorkloadObject('kind: Deployment')).toThrow('(document): expected object');
  });

  it('throws a WorkloadError', () => {
    expect(() => parseWorkloadObject(null)).toThrow(WorkloadError);
  });
});

describe('fieldPath', () => {
  it('turns a JSON pointer into a Kubernetes field path', () => {
    expect(fieldPath('/spec/template/spec/initContainers/0/resources')).toBe('spec.template.spec.initContainers[0].resources');
  });

  it('unescapes pointer escapes', () => {
    expect(fieldPath('/metadata/annotations/a~1b~0c')).toBe('metadata.annotations.a/b~c');
  });

  it('gives an empty path for the document itself', () => {
    expect(fieldPath('')).toBe('');
  });
});
