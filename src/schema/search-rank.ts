// The ranking's named weights and word classes, and the per-request context it scores paths with, so a
// reader can see why a result ranks where it does.

/** The named weights of the ranking, so a reader can see why a result ranks where it does. */
export const WEIGHTS = {
  /** A verb that only says the method ("show", "change") counts this much as a word. */
  pureVerb: 0.25,
  /** A concept the request names (PCI passthrough, VLAN) counts this much beside its own words. */
  concept: 1,
  /** How much more a concept's own setting counts than a parameter named by an everyday word. */
  conceptSetting: 2,
  /** Creating a guest, when the request names an existing one ("make vm 123 start at boot"). */
  createForNamedGuest: 0.5,
  /** Words that say little about what is wanted ("proxmox", "type", "please"). */
  generic: 0.3,
  /** An action verb beside an object of another area than guests ("stop the replication"). */
  verbBesideArea: 0.35,
  product: 0.6,
  /** An operation that creates or destroys an item, when the request stops or restarts something. */
  createForAction: 0.4,
  /** Any operation not about one guest, when the request names one. */
  elsewhereForNamedGuest: 0.85,
};

/** A word that at most this many operations hold says what a goal is about more than which call it needs. */
export const RARE_IN_OPERATIONS = 3;

/** A guest's power actions: the words that most often stand for something else's start or stop. */
export const POWER_VERBS = new Set([
  'start',
  'stop',
  'shutdown',
  'reboot',
  'restart',
  'reset',
  'suspend',
  'resume',
  'kill',
  'halt',
  'pause',
  'unpause',
  'hibernate',
]);

/** Path words that scope rather than name an area: a guest's own actions stay strong beside them. */
export const SCOPE_WORDS = ['node', 'qemu', 'lxc', 'cluster', 'status', 'config', 'current', 'vm', 'guest', 'all', 'bulk', 'action'];

/** First words of a question: with no action verb, the request reads. */
export const QUESTION_OPENERS = new Set([
  'are',
  'is',
  'does',
  'do',
  'did',
  'has',
  'have',
  'was',
  'were',
  'any',
  'whats',
  "what's",
  'what',
  'which',
  'how',
  'where',
  'when',
  'who',
  'why',
]);

/** Words of a request that name nothing in particular. */
export const GENERIC_WORDS = new Set([
  'please',
  'type',
  'using',
  'used',
  'thing',
  'stuff',
  'again',
  'way',
  'possible',
  'somehow',
  'currently',
  'actually',
]);

/** The product's own name: every operation is about it, though a few descriptions say it ("Proxmox packages"). */
export const PRODUCT_WORDS = new Set(['proxmox', 'pve']);

/** A guest named by its ID: "vm 123", "ct 105", "container #7", "vmid 300". */
export const NAMED_GUEST =
  /\b(vms?|cts?|containers?|guests?|lxc|qemu|kvm|vmid|machine)\s*#?\d+\b|\b(vm|ct)\d{2,}\b|\b(qm|pct) [a-z-]+ \d+\b/i;
export const GUEST_COLLECTION = /^\/nodes\/\{node\}\/(qemu|lxc)$/;

/** A parameter name on more operations than this is too common to point anywhere. */
export const PARAM_SPREAD = 40;
export const PARAM_BONUS = 6;

/** One query's words, with a memo of which of them explain a given path word. */
export interface Group {
  /** Settings (parameter names) the word means when the request changes something. */
  settings?: string[];
  word: string;
  terms: string[];
  /** How much the word counts: action verbs mostly steer the method, they say little about the subject. */
  weight: number;
  /** How specific the word is in this schema (inverse document frequency of its best term). */
  idf: number;
}

export const DEBUG = process.env.SEARCH_DEBUG === '1';

export class QueryContext {
  /** Every term the query can stand for. */
  readonly terms: Set<string>;
  /** The question asks about everything at once ("all guests", "every VM", "in bulk"). */
  bulk = false;
  /** The question changes a setting of something that exists ("set the description of a VM"). */
  changesSetting = false;
  /** The request names one existing guest ("vm 123", "ct 105"): it is about that guest, not a new one. */
  namedGuest = false;
  private readonly memo = new Map<string, number[]>();

  constructor(
    readonly groups: Group[],
    readonly wanted: number,
  ) {
    this.terms = new Set(groups.flatMap((g) => g.terms));
  }

  /** The query words that account for a word of a path: the same term, or part of a run-together one. */
  explains(w: string): number[] {
    let by = this.memo.get(w);
    if (!by) {
      by = [];
      for (let i = 0; i < this.groups.length; i++) {
        const terms = this.groups[i].terms;
        if (terms.includes(w) || (w.length >= 5 && terms.some((t) => t.length >= 3 && w.includes(t)))) by.push(i);
      }
      this.memo.set(w, by);
    }
    return by;
  }
}
