/**
 * The slice of a Kubernetes workload object that pricing reads, as a TypeBox schema. Every
 * `@kubernetes/client-node` workload type (V1Deployment, V1StatefulSet, V1DaemonSet, V1ReplicaSet,
 * V1Pod) is assignable to {@link WorkloadObject}, so watchers pass their objects as they are; a
 * manifest from a request body (the Predict API) is checked with {@link parseWorkloadObject} first.
 * Fields pricing does not read are neither declared nor checked.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { WorkloadError } from './errors.js';

/** `requests`, `limits`, `overhead`: resource name → quantity. Values are checked where read. */
const ResourceListSchema = Type.Record(Type.String(), Type.Unknown());

/** A map of resource name to quantity (`{cpu: "100m"}`); values are checked when priced. */
export type ResourceList = Static<typeof ResourceListSchema>;

/** `resources` of a container, or of a pod (pod-level resources). */
export const ResourceRequirementsSchema = Type.Object({
  requests: Type.Optional(ResourceListSchema),
  limits: Type.Optional(ResourceListSchema),
});

/** Requests and limits of a container or pod. */
export type ResourceRequirements = Static<typeof ResourceRequirementsSchema>;

/** A container, app or init. `restartPolicy: Always` on an init container makes it a native sidecar. */
export const ContainerSchema = Type.Object({
  name: Type.Optional(Type.String()),
  resources: Type.Optional(ResourceRequirementsSchema),
  restartPolicy: Type.Optional(Type.String()),
});

/** A container as pricing sees it. */
export type Container = Static<typeof ContainerSchema>;

const podSpecProperties = {
  containers: Type.Optional(Type.Array(ContainerSchema)),
  initContainers: Type.Optional(Type.Array(ContainerSchema)),
  overhead: Type.Optional(ResourceListSchema),
  resources: Type.Optional(ResourceRequirementsSchema),
};

/** A pod spec: a Pod's `spec`, or a controller's `spec.template.spec`. */
export const PodSpecSchema = Type.Object(podSpecProperties);

/** A pod spec as pricing sees it. */
export type PodSpec = Static<typeof PodSpecSchema>;

/** A workload object of any priced kind; which fields matter depends on the kind. */
export const WorkloadObjectSchema = Type.Object({
  apiVersion: Type.Optional(Type.String()),
  kind: Type.Optional(Type.String()),
  metadata: Type.Optional(
    Type.Object({
      name: Type.Optional(Type.String()),
      generateName: Type.Optional(Type.String()),
      namespace: Type.Optional(Type.String()),
      uid: Type.Optional(Type.String()),
    }),
  ),
  // One shape for a Pod's spec and a controller's spec, so client-node's types all fit it.
  spec: Type.Optional(
    Type.Object({
      ...podSpecProperties,
      replicas: Type.Optional(Type.Integer({ minimum: 0 })),
      template: Type.Optional(Type.Object({ spec: Type.Optional(PodSpecSchema) })),
    }),
  ),
  status: Type.Optional(
    Type.Object({
      desiredNumberScheduled: Type.Optional(Type.Integer({ minimum: 0 })),
      observedGeneration: Type.Optional(Type.Integer()),
    }),
  ),
});

/** A Deployment, StatefulSet, DaemonSet, ReplicaSet or Pod, as pricing sees it. */
export type WorkloadObject = Static<typeof WorkloadObjectSchema>;

/** Checks an untrusted document (a parsed manifest) against {@link WorkloadObjectSchema}; throws {@link WorkloadError}. */
export function parseWorkloadObject(doc: unknown): WorkloadObject {
  if (Value.Check(WorkloadObjectSchema, doc)) return doc;
  const first = Value.Errors(WorkloadObjectSchema, doc).First();
  const path = first === undefined ? '' : fieldPath(first.path);
  const message = first === undefined ? 'invalid' : first.message.replace(/^Expected/, 'expected');
  throw new WorkloadError(path === '' ? '(document)' : path, message);
}

/** JSON Pointer (`/spec/containers/0/resources`) to Kubernetes field path (`spec.containers[0].resources`). */
export function fieldPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    out += /^\d+$/.test(segment) ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  }
  return out;
}
