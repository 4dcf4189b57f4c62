import { describe, expect, it } from 'vitest';
import { containerLines, summarizeContainers } from '../../src/audit/container-summary.js';

describe('the containers summary the audit keeps per workload', () => {
  it('reads back every container, init containers first, with requests as written (a limit when only a limit is set) and images', () => {
    // As parsed off the wire: the pod spec's type names only what pricing reads, not images.
    const pod = {
      initContainers: [{ name: 'migrate', image: 'tools:1', resources: { limits: { cpu: '200m', memory: '64Mi' } } }],
      containers: [
        { name: 'app', image: 'app:2', resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { 'nvidia.com/gpu': '2' } } },
        { image: 'sidecar:3' },
      ],
    };
    const summary = summarizeContainers(pod);
    expect(containerLines(summary)).toEqual([
      { init: true, name: 'migrate', cpu: '200m', memory: '64Mi', gpu: '', image: 'tools:1' },
      { init: false, name: 'app', cpu: '1', memory: '1Gi', gpu: '2', image: 'app:2' },
      // A container without a name is known by its place.
      { init: false, name: '#1', cpu: '', memory: '', gpu: '', image: 'sidecar:3' },
    ]);
  });

  it('is empty for a pod spec without containers, and for none', () => {
    expect(summarizeContainers({})).toBe('');
    expect(summarizeContainers(undefined)).toBe('');
    expect(containerLines('')).toEqual([]);
  });
});
