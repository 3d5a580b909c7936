import { levenshtein } from './similar.js';
import type { Concept } from './knowledge/index.js';
import { INTENT, PHRASES, STOP_WORDS, SYNONYMS, SYNONYM_ONLY } from './vocabulary.js';

// Query parsing: a request's words, with typos mended against the index's vocabulary, the product's
// concepts it names, and PVE's own words for each word. Also used for the indexed text, so that both
// sides meet in the same terms.

/** A table's own entry for a word: "constructor" or "__proto__" in a request are words, not the prototype's. */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Nouns the suffix rules would turn into other words (settings -> set). */
const STEM_EXCEPTIONS: Record<string, string> = { setting: 'setting', settings: 'setting' };

const stems = new Map<string, string>();

export function stem(word: string): string {
  let s = stems.get(word);
  if (s === undefined) {
    s = stemWord(word);
    if (stems.size < 50_000) stems.set(word, s);
  }
  return s;
}

function stemWord(word: string): string {
  let w = word.toLowerCase();
  const exception = lookup(STEM_EXCEPTIONS, w);
  if (exception) return exception;
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && /(ches|shes|sses|xes)$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 2 && w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  const before = w;
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 5 && w.endsWith('ed') && !w.endsWith('eed')) w = w.slice(0, -2);
  // running -> run, stopped -> stop, mapped -> map (but not "all", "pass")
  if (w !== before && /([^aeiouslz])\1$/.test(w)) w = w.slice(0, -1);
  return w;
}

/** One pass to tell whether any phrase occurs at all: most texts hold none. */
const ANY_PHRASE = new RegExp(PHRASES.map(([re]) => re.source).join('|'));

export function rewritePhrases(text: string): string {
  let t = text.toLowerCase();
  if (!ANY_PHRASE.test(t)) return t;
  // Collapse the padding each rewrite adds, so that later phrases still see single spaces
  // ("back up file" -> "backup file" -> "backup volume content").
  for (const [re, to] of PHRASES) t = t.replace(re, to).replace(/ {2,}/g, ' ');
  return t;
}

/** Raw words of a text (path separators, dashes and underscores split words). */
export function words(text: string): string[] {
  return rewritePhrases(text)
    .split(/[^a-z0-9]+/)
    .filter((w) => w && !STOP_WORDS.has(w));
}

/** Terms of one word: its stem, plus PVE's own words for it. */
export function termsOf(word: string): string[] {
  const s = stem(word);
  // The exact word first: "hosts" (the file) is not "host" (a node).
  // "replicating" stems to "replicat": the verb is "replicate".
  const syn = lookup(SYNONYMS, word) ?? lookup(SYNONYMS, s) ?? lookup(SYNONYMS, `${s}e`) ?? [];
  return [...new Set([...(SYNONYM_ONLY.has(word) || SYNONYM_ONLY.has(s) ? [] : [s]), ...syn.map(stem)])];
}

/**
 * Everyday words that are no typo of a schema word ("there" is not "these"), though no operation holds them;
 * in a request they say little about which operation is meant (the few operations whose text holds "when"
 * or "last" are no better answers for it).
 */
export const COMMON_WORDS: ReadonlySet<string> = new Set(
  'there here where when then than them they was were been being had has have also just still only even very really much many more most less least other else again always never often sometimes already yet soon today yesterday tomorrow night morning week month year last people someone somebody everything nothing anything thing things stuff some none both either neither because since while though although until unless whether might must should could would shall will cant wont dont doesnt didnt isnt arent hasnt havent without within across around against between through during under over above below near away back down off out up production'.split(
    ' ',
  ),
);

/** Words the query side knows without the index: PVE's words for things, verbs, filler. */
export const LEXICON: ReadonlySet<string> = new Set([
  ...Object.keys(SYNONYMS),
  ...Object.keys(INTENT),
  ...STOP_WORDS,
  ...COMMON_WORDS,
  // The words of the phrase table ("bring back", "power off").
  ...PHRASES.flatMap(([re]) => re.source.match(/[a-z]{3,}/g) ?? []),
]);

/** What a typo may be mended to: PVE's words and the verbs, never filler ("bring" is not "being"). */
export const TYPO_TARGETS: ReadonlySet<string> = new Set([...Object.keys(SYNONYMS), ...Object.keys(INTENT)]);

/**
 * How far a word may be from the word meant. Short words are left alone (a four-letter word is one
 * edit from dozens of others), except for two swapped neighbours ("stpo"); longer words get more room.
 */
export function typoBudget(length: number): number {
  if (length < 4) return 0;
  if (length === 4) return 1;
  return length >= 8 ? 2 : 1;
}

const MAX_TYPO_WORD = 30;

/** Endings that make another word of a known one: "deletion" of delete, "customer" of custom. */
const DERIVING_ENDINGS = ['ations', 'ation', 'ions', 'ion', 'ers', 'er', 'ally', 'als', 'al', 'ments', 'ment', 'ness', 'able', 'ably'];

/**
 * Whether `word` is a known word with an English ending ("deletion", "creation", "customer"): no typo of
 * another word ("detection", "custom"), though the index does not hold it as such.
 */
function isDerivedFromKnown(word: string, isKnown: (word: string) => boolean): boolean {
  for (const ending of DERIVING_ENDINGS) {
    if (!word.endsWith(ending)) continue;
    const base = word.slice(0, -ending.length);
    if (base.length >= 4 && (isKnown(base) || isKnown(`${base}e`) || isKnown(stem(base)))) return true;
  }
  return false;
}

/** Whether `word` is `full` with one letter left out. */
function isDroppedLetter(word: string, full: string): boolean {
  for (let i = 0; i < full.length; i++) if (full.slice(0, i) + full.slice(i + 1) === word) return true;
  return false;
}

/**
 * Mends misspelt words: a word that neither the index nor the lexicon knows becomes the known word
 * closest to it, within `typoBudget`, the more common one on a tie. Names, numbers and identifiers
 * (anything with a digit, `@`, `.`, `/` or `:`) stay as they are, and so does a word with no close match.
 */
export function correctTypos(
  text: string,
  isKnown: (word: string) => boolean,
  candidates: ReadonlyArray<string>,
  commonness: (word: string) => number,
): { text: string; corrected: Array<[string, string]> } {
  const corrected: Array<[string, string]> = [];
  const out = text.replace(/[^\s,;!?()"']+/g, (token) => {
    const lower = token.toLowerCase();
    if (!/^[a-z][a-z'-]*$/.test(lower) || lower.length > MAX_TYPO_WORD) return token;
    const word = lower.replace(/'s$/, '').replace(/'/g, '');
    if (word.includes('-') || isKnown(word) || isKnown(stem(word)) || isDerivedFromKnown(word, isKnown)) return token;
    const budget = typoBudget(word.length);
    if (budget === 0) return token;
    let best: string | undefined;
    let bestD = budget + 1;
    let bestN = -1;
    for (const c of candidates) {
      if (Math.abs(c.length - word.length) > budget || c.length < 4) continue;
      // A four-letter word is mended only by a swap of neighbours (same letters, same length), or by the one
      // letter it lacks of a verb or PVE word ("chek" -> check); never into another word by a changed letter.
      if (word.length === 4) {
        const swapped = c.length === 4 && [...c].sort().join('') === [...word].sort().join('');
        const dropped = c.length === 5 && TYPO_TARGETS.has(c) && isDroppedLetter(word, c);
        if (!swapped && !dropped) continue;
      }
      const d = levenshtein(word, c);
      if (d > budget || d > bestD) continue;
      const n = commonness(c);
      if (d < bestD || n > bestN) {
        best = c;
        bestD = d;
        bestN = n;
      }
    }
    if (!best) return token;
    corrected.push([word, best]);
    return best;
  });
  return { text: out, corrected };
}

/** The product concepts a request names ("pass through my GPU" -> PCI passthrough). */
export function conceptsIn(text: string, concepts: ReadonlyArray<Concept>): Concept[] {
  const t = text.toLowerCase();
  return concepts.filter((c) => c.say.test(t));
}

/**
 * Phrases whose meaning depends on the rest of the request, rewritten before the fixed phrases:
 * "turn on" starts a guest, but turns on an option of anything else ("turn on two-factor", "enable the
 * firewall"); a hard or forced reboot is a reset, a forced shutdown a stop.
 */
export function rewriteIntent(text: string, namesSetting: boolean): string {
  let t = text.toLowerCase();
  // A phrasal verb split by its object joins again: "roll vm 5 back" -> "roll back vm 5",
  // "turn the firewall on" -> "turn on the firewall", "shut ct 7 down" -> "shut down ct 7".
  t = t.replace(
    // Only a particle that ends the phrase: in "start the monitor on pve3", "on" says where.
    /\b(roll|turn|shut|power|spin|switch|boot|back|clean|free|start|fire)((?: [a-z0-9'-]+){1,3}) (back|on|off|down|up)(?=\s*$|\s*[,.;!?]|\s+(?:to|and|again|now|please|for|from|so|then|but)\b)/g,
    '$1 $3$2',
  );
  // "Stop vm 5 from starting at boot": stopping something from happening is switching it off.
  t = t.replace(/\b(stop|prevent|keep)\b((?: [a-z0-9'-]+){1,4}) from (start|boot|run|auto)/g, ' disable$2 $3');
  // A container has no reset: forcing its reboot is still a reboot.
  const container = /\b(ct|cts|container|containers|lxc|pct)\b/.test(t);
  t = t.replace(/\b(hard|forced?|force-?|cold)[ -]?(reset|reboot|restart)\b/g, container ? ' reboot ' : ' reset ');
  // Said after the verb ("reboot vm 5 hard"), or a guest too hung to shut down: the forceful variant too.
  const forceful = /\b(hard|forcefully|by force|forced?|hung|frozen|stuck|unresponsive|locked up|not responding)\b/.test(t);
  if (forceful && !container) t = t.replace(/\b(reboot|restart)\b/g, ' reset ');
  // A suspended or hibernated guest wakes by resuming; waking a node is wake-on-LAN.
  if (/\b(vm|vms|guest|ct|container|qemu)\b/.test(t))
    t = t.replace(/\bwake( \w+)? up\b|\bwake\b|\bunsuspend\b|\bunhibernate\b/g, ' resume$1 ');
  t = t.replace(/\b(force(d|fully)?|hard)[ -]?(stop|shutdown|shut down|off|power off|power down)\b/g, ' stop ');
  t = t.replace(/\bpull the plug( on)?\b/g, ' stop ');
  const optionOnly =
    namesSetting || /\b(firewall|option|flag|feature|setting|tfa|2fa|two[- ]factor|ha|agent|protection|autostart|nesting)\b/.test(t);
  if (optionOnly) t = t.replace(/\b(turn|switch|flip)(ed|s)? on\b/g, ' enable ').replace(/\b(turn|switch|flip)(ed|s)? off\b/g, ' disable ');
  // A firewall or a second factor is switched on or off, not started: its option is set (a service is what starts).
  if (/\b(firewall|tfa|2fa|two[- ]factor|protection)\b/.test(t) && !/\bservices?\b/.test(t))
    t = t.replace(/\bstart(s|ed)?\b/g, ' enable ').replace(/\bstop(s|ped)?\b/g, ' disable ');
  return t;
}

/**
 * The words that named a setting's concept are replaced by the concept (which joins the request as one word of
 * its own), so that "pass through" is PCI passthrough and not a password; verbs among them stay, as they
 * still say what is to be done ("unlock", "block").
 */
export function consumeConcepts(text: string, concepts: Concept[]): string {
  let t = text;
  for (const c of concepts) {
    if (!c.settings?.length && !c.replaces) continue;
    t = t.replace(new RegExp(c.say.source, 'g'), (m) =>
      c.noVerb
        ? ' '
        : ` ${m
            .split(/[^a-z]+/)
            .filter((w) => lookup(INTENT, w))
            .join(' ')} `,
    );
  }
  return t;
}
