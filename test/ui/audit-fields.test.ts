import { describe, expect, it } from 'vitest';
import { KUBECOST_AUDIT_EVENT_EXAMPLE } from '../../src/audit/audit-event.js';
import type { AuditEvent } from '../../ui/src/types.js';
import { changedByText, fieldChanges, sourceText } from '../../ui/src/views/audit-fields.js';

// The page's reading of the fields change intelligence adds, over events of the server's own shape.
const event = (extra: Partial<AuditEvent>): AuditEvent => ({ ...(KUBECOST_AUDIT_EVENT_EXAMPLE as AuditEvent), ...extra });

describe('the page shows who and what changed', () => {
  it('names the field manager, with the subresource it wrote through', () => {
    expect(changedByText(event({}))).toBe('kubectl-client-side-apply');
    expect(changedByText(event({ changedBy: { manager: 'kubectl', operation: 'Update', subresource: 'scale' } }))).toBe('kubectl (scale)');
  });

  it('shows nothing for an unknown manager or source, or for an event stored before they existed', () => {
    expect(changedByText(event({ changedBy: { manager: 'unknown' } }))).toBeUndefined();
    expect(sourceText(event({ source: { tool: 'unknown' } }))).toBeUndefined();
    const { changedBy: _c, source: _s, ...old } = event({});
    expect([changedByText(old as AuditEvent), sourceText(old as AuditEvent)]).toEqual([undefined, undefined]);
  });

  it('names the tool and its release or application', () => {
    expect(sourceText(event({}))).toBe('kubectl');
    expect(sourceText(event({ source: { tool: 'helm', name: 'shop', namespace: 'team-shop' } }))).toBe('helm: shop');
  });

  it('reads the field diff the server writes ({field, from, to})', () => {
    const diff = fieldChanges(event({ eventType: 'update', changes: [{ field: 'replicas', from: 2, to: 3 }] }));
    expect(diff).toEqual([{ path: 'replicas', before: 2, after: 3 }]);
  });
});
