import type * as z from 'zod';
import { closestNames } from '../schema/similar.js';
import { ConfigError } from './error.js';
import { configSchema, knownKeys, type AppConfig } from './schema.js';
import { printable, type ConfigSource, type FieldPath } from './source.js';

// The one validator: the schema checks the document, and each problem is told in the source's words.
// zod's issues never carry the value they refused into the message, and neither does anything here.

/** `PROXMOX_SSH_PORT`, or `clusters.home.ssh.port` with the file it is in. */
function spell(source: ConfigSource, path: FieldPath): { where?: string; text: string } {
  const n = source.name(path);
  return { where: n.where, text: n.label };
}

/** `{{username}}` in a message: the setting `username` of the same cluster, as the source spells it. */
function withNames(message: string, source: ConfigSource, path: FieldPath): string {
  const cluster = path[0] === 'clusters' ? path.slice(0, 2) : [];
  return message.replace(/\{\{([\w.]+)\}\}/g, (_, field: string) => spell(source, [...cluster, ...field.split('.')]).text);
}

interface Line {
  where?: string;
  text: string;
}

function describe(issue: z.core.$ZodIssue, source: ConfigSource): Line[] {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(path);
    return issue.keys.map((key) => {
      const near = closestNames(key, known, 1);
      const name = source.name([...path, key]);
      return { where: name.where, text: `${name.label} is not a known setting${near.length ? ` (did you mean '${near[0]}'?)` : ''}` };
    });
  }
  if (issue.code === 'invalid_key' && path.length === 2 && path[0] === 'clusters') {
    const where = source.name(['clusters']).where;
    return [{ where, text: `cluster name '${printable(String(path[1]))}' ${issue.issues[0]?.message ?? 'is not a valid name'}` }];
  }
  const name = source.name(path);
  const message = withNames(issue.message, source, path);
  if (issue.code === 'custom' && issue.params?.standalone) return [{ where: name.where, text: message }];
  const missing = message.startsWith('is required');
  // The source's wording of the form replaces the document's; a count or a length stays as said.
  const bound = issue.code === 'too_big' || issue.code === 'too_small';
  const says = missing ? (name.missing ?? message) : bound ? message : (name.expects ?? message);
  return [{ where: name.where, text: name.label ? `${name.label} ${says}` : says }];
}

/** One line: problems of the environment first, then those of a file under its name; each said once. */
export function describeIssues(lines: Line[]): string {
  const groups = new Map<string, Set<string>>();
  for (const l of lines) {
    const key = l.where ?? '';
    if (!groups.has(key)) groups.set(key, new Set());
    groups.get(key)!.add(l.text);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : 0))
    .map(([where, texts]) => (where ? `${where}: ${[...texts].join('; ')}` : [...texts].join('; ')))
    .join('; ');
}

/**
 * `__proto__` as a key: zod's records pass over it without a word, and as a cluster or node name it could
 * only mislead. Reported at the object that holds it.
 */
function reservedKeys(value: unknown, path: PropertyKey[] = [], depth = 0): Array<{ path: FieldPath; message: string }> {
  if (typeof value !== 'object' || value === null || depth > 8) return [];
  return Object.keys(value).flatMap((key) =>
    key === '__proto__'
      ? [{ path, message: 'must not use the reserved name __proto__' }]
      : reservedKeys((value as Record<string, unknown>)[key], [...path, key], depth + 1),
  );
}

export function validate(source: ConfigSource): AppConfig {
  const problems = [...source.problems, ...reservedKeys(source.document)];
  if (problems.length) {
    throw new ConfigError(
      describeIssues(
        problems.map((p) => {
          const { where, text } = spell(source, p.path);
          return { where, text: text ? `${text} ${p.message}` : p.message };
        }),
      ),
    );
  }
  // Once per process: zod's compiled fast path would cost more to build than it saves.
  const result = configSchema.safeParse(source.document, { jitless: true });
  if (result.success) return result.data;
  // The first problem of each setting is enough: "must be a plain user name" adds nothing to "must not contain control characters".
  const seen = new Set<string>();
  const first = result.error.issues.filter((i) => {
    if (i.code === 'unrecognized_keys') return true;
    const key = JSON.stringify(i.path.map(String));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  throw new ConfigError(describeIssues(first.flatMap((i) => describe(i, source))));
}
