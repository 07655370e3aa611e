/** The webhook's Kubernetes API access, imported on demand by the server (see server/run.ts). */
export { AutoSidecarMode } from './auto-mode';
export { apiServer, loadKubeConfig } from './client';
export { NamespaceCache } from './namespace-cache';
export { secretStore, webhookConfigStore } from './stores';
