import type { Identity } from './access.js';
import type { AuthService } from './auth.js';
import type { Collections } from './crud.js';
import type { FaultState } from './faults.js';
import type { SimState } from './state.js';
import type { TaskManager } from './tasks.js';

export interface SimCore {
  state: SimState;
  auth: AuthService;
  tasks: TaskManager;
  faults: FaultState;
  /** Config objects of the declarative families (crud.ts). */
  collections: Collections;
  agentOutputLimit: number;
  taskDurationMs: number;
  /** The HTTPS certificate (PEM), which console tickets hand out as `cert`. */
  certPem: string;
}

/**
 * What a handler gets: checked, typed parameters (path ones included) and who is asking. `P` is the
 * handler's view of its declaration (ParamsOf); a helper names just the parameters it reads, and one that
 * reads none takes the default, under which no parameter can be read.
 */
export interface RequestContext<P extends object = object> {
  sim: SimCore;
  params: P;
  who: Identity;
  method: string;
  path: string;
  /** Extra top-level envelope fields (PVE adds `total` to some lists). */
  envelope: Record<string, unknown>;
  /** The file of a multipart upload, if the request carried one. */
  upload?: Upload;
}

export interface Upload {
  /** The form field that carried the file. */
  field: string;
  /** The file name the client sent. */
  filename: string;
  data: Buffer;
}
