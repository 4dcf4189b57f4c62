import { describe, expect, it } from 'vitest';
import { headerList, headerSafe, warningValue } from '../../src/http/header-values.js';

describe('headerSafe', () => {
  it('keeps printable ASCII and percent-encodes the rest as UTF-8', () => {
    expect(headerSafe('ConfigMap/app-config')).toBe('ConfigMap/app-config');
    expect(headerSafe('a\r\nb é 100%')).toBe('a%0D%0Ab %C3%A9 100%25');
  });
});

describe('headerList', () => {
  it('joins items with ", ", encoding a comma inside one', () => {
    expect(headerList(['ConfigMap/app-config', 'Service/web', 'Odd/a,b'])).toBe('ConfigMap/app-config, Service/web, Odd/a%2Cb');
  });

  it('stops within the byte budget and says how many were left out', () => {
    const items = Array.from({ length: 10 }, (_, i) => `ConfigMap/c${i}`);
    const value = headerList(items, 60);
    expect(value).toBe('ConfigMap/c0, ConfigMap/c1, ConfigMap/c2, ... (7 more)');
    expect(value.length).toBeLessThanOrEqual(60);
  });

  it('keeps the last item when it fits without a summary', () => {
    expect(headerList(['ConfigMap/c0', 'ConfigMap/c1'], 26)).toBe('ConfigMap/c0, ConfigMap/c1');
  });
});

describe('warningValue', () => {
  it('renders an RFC 9111 warning as the Kubernetes API server does, quotes escaped', () => {
    expect(warningValue('priced "per node"')).toBe('299 - "priced \\"per node\\""');
  });
});
