/**
 * The shapes a secret takes on the wire and in echoes of it: as typed, percent-encoded (either hex case),
 * form-encoded (`+` for space), JSON-escaped, and base64 (standard and URL-safe, at each of the three
 * byte alignments, so a secret inside a longer encoded string such as a Basic auth header is found too).
 * Scrubbing every form keeps a proxy or node that echoes a request from leaking it in any encoding.
 */

/** Shorter secrets are not searched for: they would match ordinary text. */
export const MIN_SECRET_CHARS = 4;
/** Base64 fragments shorter than this are too likely to occur by chance. */
const MIN_BASE64_CORE = 8;

export function secretForms(secret: string): string[] {
  if (secret.length < MIN_SECRET_CHARS) return [];
  const forms = new Set<string>([secret]);
  const percent = encodeURIComponent(secret);
  forms.add(percent);
  forms.add(percent.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  forms.add(encodeURIComponent(secret).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()));
  forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
  forms.add(encodeURI(secret));
  forms.add(JSON.stringify(secret).slice(1, -1));
  forms.add(JSON.stringify(secret).slice(1, -1).replace(/\//g, '\\/'));
  const bytes = Buffer.from(secret, 'utf8');
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const b64 = padded.toString('base64').replace(/=+$/, '');
    // Characters that mix in bytes before or after the secret differ with the surroundings: keep the stable core.
    const start = shift === 0 ? 0 : 4;
    const tailBytes = padded.length % 3;
    const end = tailBytes === 0 ? b64.length : b64.length - (tailBytes === 1 ? 2 : 3);
    const core = b64.slice(start, end);
    if (core.length >= MIN_BASE64_CORE) {
      forms.add(core);
      forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_CHARS).sort((a, b) => b.length - a.length);
}

/** Replaces every form of every secret in `text`. */
export function scrubSecrets(text: string, forms: readonly string[], mask = '***'): string {
  let out = text;
  for (const form of forms) if (out.includes(form)) out = out.split(form).join(mask);
  return out;
}
