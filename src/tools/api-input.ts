import * as z from 'zod';

// The inputs of proxmox-api and proxmox-api-read, apart from the call engine (api-call.ts), which loads
// on the first call rather than at start-up.

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;

/**
 * An HTTP method, in any case ("get" works as well as "GET"). Advertised as a plain string: every model
 * knows the four methods, and the enum would cost tokens on every turn; a wrong one is named in the error.
 */
export const methodInput = z
  .string()
  .transform((v) => v.trim().toUpperCase())
  .pipe(z.enum(METHODS));
export const MAX_WAIT_S = 600;
/** Documented argument limits (README, Safety): far above any real call, far below what could hurt. */
export const MAX_PATH_CHARS = 4096;
export const MAX_PATH_PARAM_CHARS = 1024;

/**
 * The token from a confirmation preview. `true` (the old yes) is still accepted as input, as the string
 * 'true', so the answer can say plainly why it no longer runs anything.
 */
export const confirmInput = z
  .preprocess((v) => (typeof v === 'boolean' ? String(v) : v), z.string())
  .optional()
  .describe('from the preview, once the user agreed');

const pathInput = z
  .string()
  .min(1)
  .max(MAX_PATH_CHARS, { error: `path is limited to ${MAX_PATH_CHARS} characters` });
const pathParamsInput = z
  .record(
    z.string().max(128, { error: 'a path parameter name is limited to 128 characters' }),
    z.union([
      z.string().max(MAX_PATH_PARAM_CHARS, { error: `a path parameter value is limited to ${MAX_PATH_PARAM_CHARS} characters` }),
      z.number(),
    ]),
  )
  .optional();
const paramsInput = z.record(z.string(), z.unknown()).optional();

/**
 * Parameters shared by proxmox-api and proxmox-api-read. Every tool schema is sent on every turn, so the
 * path forms are described once, on the read tool, and proxmox-api's description points there.
 */
export const callShape = {
  path: pathInput,
  method: methodInput.optional(),
  pathParams: pathParamsInput,
  params: paramsInput,
  fields: z.array(z.string()).optional().describe('keys to keep'),
  filter: z.array(z.string()).optional().describe('all must match: k=v k!=v k~regex k>n k<n k>=n k<=n'),
  sort: z.string().optional().describe('key, or -key descending'),
  limit: z.number().int().positive().optional().describe('max records'),
};

const { method: _method, ...withoutMethod } = callShape;

/** proxmox-api-read: no method (always GET), path forms described. */
export const readShape = {
  ...withoutMethod,
  path: pathInput.describe('/nodes/pve1/qemu/100/config, or a template with pathParams'),
  pathParams: pathParamsInput.describe('values for {…}'),
  params: paramsInput.describe('e.g. {"type":"vm"}'),
};

export const writeShape = {
  ...callShape,
  wait: z
    .union([z.number().min(0).max(MAX_WAIT_S), z.boolean()])
    .optional()
    .describe('seconds (default 30); false: return at once'),
  confirm: confirmInput,
};

/** Declared so clients know every answer carries `structuredContent`; kept to one line of tools/list. */
export const callOutput = z.object({}).passthrough();

export type CallArgs = z.infer<z.ZodObject<typeof callShape>> & { cluster?: string; wait?: number | boolean; confirm?: string };
