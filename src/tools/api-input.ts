import * as z from 'zod';

// The inputs of proxmox-api and proxmox-api-read, apart from the call engine (api-call.ts), which loads
// on the first call rather than at start-up.

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;

/** An HTTP method, in any case ("get" works as well as "GET"). */
export const methodInput = z.preprocess((v) => (typeof v === 'string' ? v.trim().toUpperCase() : v), z.enum(METHODS));
export const MAX_WAIT_S = 600;
/** Documented argument limits (README, Safety): far above any real call, far below what could hurt. */
export const MAX_PATH_CHARS = 4096;
export const MAX_PATH_PARAM_CHARS = 1024;

/**
 * The token from a confirmation preview. `true` (the old yes) is still accepted as input, as the string
 * 'true', so the answer can say plainly why it no longer runs anything.
 */
export const confirmInput = z.preprocess((v) => (typeof v === 'boolean' ? String(v) : v), z.string()).optional();

/** Parameters shared by proxmox-api and proxmox-api-read. */
export const callShape = {
  path: z.string().min(1).max(MAX_PATH_CHARS, { error: `path is limited to ${MAX_PATH_CHARS} characters` }),
  method: methodInput.optional(),
  pathParams: z
    .record(
      z.string().max(128, { error: 'a path parameter name is limited to 128 characters' }),
      z.union([z.string().max(MAX_PATH_PARAM_CHARS, { error: `a path parameter value is limited to ${MAX_PATH_PARAM_CHARS} characters` }), z.number()]),
    )
    .optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  fields: z.array(z.string()).optional(),
  filter: z.array(z.string()).optional().describe('key=v key~v key>n'),
  sort: z.string().optional(),
  limit: z.number().int().positive().optional(),
};

export const writeShape = {
  ...callShape,
  wait: z.union([z.number().min(0).max(MAX_WAIT_S), z.boolean()]).optional().describe('task wait (s)'),
  confirm: confirmInput,
};

/** Declared so clients know every answer carries `structuredContent`; kept to one line of tools/list. */
export const callOutput = z.object({}).passthrough();

export type CallArgs = z.infer<z.ZodObject<typeof callShape>> & { cluster?: string; wait?: number | boolean; confirm?: string };

