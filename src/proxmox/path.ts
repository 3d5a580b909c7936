/**
 * Builds API paths with every interpolated value percent-encoded as one segment, so a model-supplied
 * `node` of `pve/../../access` or a volume id `local:iso/x.iso` can never change which path is called.
 *
 *   apiPath`/nodes/${node}/qemu/${vmid}/status/current`
 */
export function apiPath(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  let out = strings[0];
  values.forEach((value, i) => {
    out += encodeSegment(String(value)) + strings[i + 1];
  });
  return out;
}

/** encodeURIComponent, plus the characters it leaves alone that mean something in a path. */
export function encodeSegment(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Fills `{name}` placeholders of a path template, encoding each value as one segment. */
export function fillTemplate(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`missing path parameter '${name}'`);
    return encodeSegment(String(value));
  });
}
