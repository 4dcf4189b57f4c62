/** The fake Kubernetes API server for tests and benchmarks: one import for all of it. */
export { FakeKubeServer } from './server.js';
export type { FakeKubeOptions, FakeKubeTls } from './server.js';
export { DEFAULT_RESOURCES, REPLICASETS_RESOURCE } from './resources.js';
export type { FakeResource } from './resources.js';
export type { FakeObject, NewFakeObject, FakeStatus } from './types.js';
export type { RecordedRequest } from './requests.js';
export { describeRequest } from './requests.js';
export { writeKubeconfig, kubeconfigYaml } from './kubeconfig.js';
export type { FakeKubeconfig, KubeconfigCredentials } from './kubeconfig.js';
export { deploymentObject, statefulSetObject, daemonSetObject, podObject, nodeObject } from './objects.js';
export type { ContainerRequests } from './objects.js';
export { validateEvent } from './events-api.js';
export { CORE_EVENTS_RESOURCE, EVENT_RESOURCES, EVENTS_RESOURCE, coreEventOf } from './events-views.js';
export type { FakeWrite, ManagedFieldsEntry, FieldsV1 } from './managed-fields.js';
