export { managerPaths } from '../runtime/workspace.js';
export { type BackendConnection, followBackend } from './backend-client.js';
export { type Discovery, discover, sameDir } from './discovery.js';
export { baseUrl, type HealthBody, probeHealth } from './health.js';
export { proof, runtimeDir, workspaceSecret } from './identity.js';
export { liveLeases } from './lease.js';
export { runManaged } from './managed-server.js';
export {
  Backend,
  type BackendStatus,
  type EnsureBackendOptions,
  ensureBackend,
  type ManagerLog,
} from './manager.js';
export { isAlive, stopProcess } from './process.js';
export { publishUntilClosed, readServerFile, type ServerInfo } from './server-file.js';
export { managerSettings } from './settings.js';
export { DEFAULT_RESTART_POLICY, type RestartPolicy } from './supervisor.js';
