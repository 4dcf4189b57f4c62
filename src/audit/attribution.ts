import { Type, type Static } from '@sinclair/typebox';

/** The manager name when no managedFields entry touched what changed (never invented). */
export const UNKNOWN_MANAGER = 'unknown';

/**
 * Who made a change, as the object's `metadata.managedFields` tells it: the field manager whose
 * entry holds the fields that moved. The person behind a manager is only in the API server's
 * audit log, never here.
 */
export const ChangedBySchema = Type.Object(
  {
    manager: Type.String({
      description: "The field manager (`kubectl-client-side-apply`, `helm`, `argocd-controller`, `kube-controller-manager`…); `unknown` when no managedFields entry holds the changed fields (and for every delete, which managedFields do not record).",
      examples: ['kubectl-client-side-apply'],
    }),
    operation: Type.Optional(Type.Union([Type.Literal('Apply'), Type.Literal('Update')], { description: 'The entry\'s operation: `Apply` (server-side apply) or `Update`.' })),
    subresource: Type.Optional(Type.String({ description: 'The subresource the manager wrote through (`scale`), when not the object itself.', examples: ['scale'] })),
    time: Type.Optional(Type.String({ description: 'The entry\'s time (RFC 3339, seconds): when that manager last wrote those fields.', examples: ['2023-02-28T13:58:44Z'] })),
  },
  { description: 'Added: who made the change, from the object\'s managedFields.' },
);
/** Who made a change. */
export type ChangedBy = Static<typeof ChangedBySchema>;

/** A change nobody's entry accounts for. */
export const UNKNOWN_CHANGED_BY: ChangedBy = { manager: UNKNOWN_MANAGER };

/** The tools a workload's markers can name, and `unknown`. */
export const SOURCE_TOOLS = ['helm', 'argocd', 'flux', 'kubectl', 'autoscaler', 'unknown'] as const;
/** One tool. */
export type SourceTool = (typeof SOURCE_TOOLS)[number];

/** The tool that owns the workload, from well-known labels and annotations (or an autoscaler's scale). */
export const SourceSchema = Type.Object(
  {
    tool: Type.Union(SOURCE_TOOLS.map((t) => Type.Literal(t)), { description: 'helm, argocd, flux, kubectl, autoscaler or unknown.' }),
    name: Type.Optional(Type.String({ description: 'The Helm release, Argo CD application, or Flux Kustomization / HelmRelease.', examples: ['shop'] })),
    namespace: Type.Optional(Type.String({ description: 'The namespace of that release or Flux object, when the markers say.', examples: ['flux-system'] })),
  },
  { description: 'Added: the tool that owns the workload.' },
);
/** The tool that owns a workload. */
export type Source = Static<typeof SourceSchema>;

/** A workload no marker attributes. */
export const UNKNOWN_SOURCE: Source = { tool: 'unknown' };
