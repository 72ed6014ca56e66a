/**
 * Prompts: everything a ceremony asks of people, each with a stable id (the key in an answers file and in
 * rehearsal-secrets.json). Three implementations: the terminal, an answers file, and rehearsal (answers
 * file plus generated throwaway secrets). The session records every answer in the transcript — never a
 * secret's value.
 *
 * Prompt ids (docs/ceremony-guide.md lists them):
 *   preflight.clock                 confirm the system date and time
 *   preflight.checklist.<n>         confirm checklist item n (1-based)
 *   vault.passphrase                the vault passphrase (new vault: entered twice, `.confirm` in files)
 *   <step>.<role>                   initials of a role confirming a checkpoint in step <step>
 *   <step>.<role>.check             what that role read (e.g. the last four groups of the fingerprint shown)
 *   preflight.code-hash.<role>      initials of a role who compared the code SHA-256 (`.check`: its last groups)
 *   record.place                    where the ceremony takes place
 *   record.name.<role>              the printed name of the person in a role
 *   record.item.<item>.<field>      an item's serial number, or the tamper-evident bag opened or to be sealed
 *   preflight.history               go on although the public tree's transcript history has a gap? (yes/no)
 *   closing.<role>                  initials at the closing checkpoint, after the transcript is signed (`.check`:
 *                                   the last four groups of the transcript SHA-256)
 *   dct.passphrase                  the DCT passphrase of the vault's notary-format keys (docs/dct.md)
 *   dct.handoff.<signer>.passphrase the hand-off passphrase of a signer's DCT delegation key
 *   containers.handoff.<signer>.passphrase  the hand-off passphrase of a signer's container signing key
 *   share.<custodian>               a custodian's backup share (words, or the path of a file holding them)
 *   <step>.present.<custodian>      is this custodian here with their share? (recovery drills, restores)
 *   quorum.present.<officer>        is this officer here with their officer share? (a quorum vault is unlocked)
 *   quorum.share.<officer>          an officer's share of the quorum secret (words, or the path of a file)
 */

export type PromptSource = 'terminal' | 'answers-file' | 'rehearsal';

export interface SecretRequest {
  readonly id: string;
  /** What the secret is, e.g. "Vault passphrase". */
  readonly label: string;
  readonly kind: 'passphrase' | 'pin' | 'share';
  /** `new`: chosen now (entered twice, strength floor, generation offered); `existing`: entered once. */
  readonly purpose: 'new' | 'existing';
  /** Strength floor for `new` passphrases (estimated bits). */
  readonly minBits: number;
  /** Words in a generated passphrase. */
  readonly generatedWords: number;
  /** Checks an `existing` secret (e.g. by decrypting); a message when it is wrong. */
  readonly check?: (value: string) => Promise<string | undefined>;
}

/** Words in a generated key passphrase: eight diceware words, about 103 bits. */
export const KEY_PASSPHRASE_WORDS = 8;

/**
 * A passphrase that encrypts a key file (vault, DCT, hand-off): held to the script's strength floor
 * (`minBits`), with an eight-word passphrase offered when it is new.
 */
export function keyPassphraseRequest(
  minBits: number,
  request: Pick<SecretRequest, 'id' | 'label' | 'purpose' | 'check'>,
): SecretRequest {
  return { kind: 'passphrase', minBits, generatedWords: KEY_PASSPHRASE_WORDS, ...request };
}

/** A typed answer that is not secret: a name, a place, a serial number, what a witness read. */
export interface TextRequest {
  readonly id: string;
  readonly message: string;
  /** What a rehearsal answers, without asking (a throwaway value, or the value a check expects). */
  readonly rehearsalAnswer: string;
  /**
   * Why an answer is not acceptable (undefined: it is). The terminal says so and asks again, at most three
   * times in all; an answers file's wrong answer stops the ceremony.
   */
  readonly check?: (value: string) => string | undefined;
  /**
   * An answers file may leave this prompt out — a file cannot look at a screen or a sheet of paper. The answer
   * is then undefined, and the session records that nobody typed it.
   */
  readonly optionalInFile?: boolean;
}

/** Longest free-text answer (a place, a printed name, a serial number). */
export const MAX_TEXT_ANSWER = 120;

/** Why a free-text answer cannot go into the record: empty, too long, or holding control characters. */
export function plainTextProblem(value: string): string | undefined {
  if (value.trim() === '') return 'type an answer (it cannot be empty)';
  if (value.length > MAX_TEXT_ANSWER) return `at most ${MAX_TEXT_ANSWER} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) return 'no control characters';
  return undefined;
}

/** How many times a person may type a checked answer before the ceremony stops. */
export const CHECK_ATTEMPTS = 3;

export interface SecretAnswer {
  readonly value: string;
  /** True when keyceremony generated the value (diceware). */
  readonly generated: boolean;
}

/** A problem with a typed share; `position` (1-based) names the word at fault when it is known. */
export interface ShareProblem {
  readonly message: string;
  readonly position?: number | undefined;
}

/**
 * A share read off paper (a backup custodian's or a quorum officer's): typed hidden, a row of words at a time
 * as the sheet shows them, each word checked as its row is entered, then the whole share checked; a word the
 * check symbols point at is typed again on its own. An answer may also be the path of a file holding the words.
 * No message ever repeats a typed word.
 */
export interface ShareRequest {
  readonly id: string;
  /** Which share and whose, e.g. "Share 2 (Officer 2, officer-2)". */
  readonly label: string;
  /** How many words the share has. */
  readonly words: number;
  /** Why `word` cannot be word `position` (1-based) of a share; undefined when it can. */
  readonly checkWord: (word: string, position: number) => string | undefined;
  /** Checks the whole answer (the words, or the path of a file holding them). */
  readonly check: (answer: string) => Promise<ShareProblem | undefined>;
}

/** Words per row when a share is typed: the sheet's grid has four columns. */
export const SHARE_ROW_WORDS = 4;

/** True when a share answer names a file rather than holding the words. */
export function isSharePath(answer: string): boolean {
  return /^(\/|\.\.?\/|~\/)/.test(answer.trim());
}

export interface Prompter {
  readonly source: PromptSource;
  confirm(id: string, message: string): Promise<boolean>;
  /** Initials of a person (2–4 letters). */
  initials(id: string, message: string): Promise<string>;
  secret(request: SecretRequest): Promise<SecretAnswer>;
  /** A share typed from paper (hidden), checked word by word; the answer as given (words or a file path). */
  share(request: ShareRequest): Promise<string>;
  /** A typed, non-secret answer (trimmed); undefined only for an `optionalInFile` prompt an answers file leaves out. */
  text(request: TextRequest): Promise<string | undefined>;
  /** Answers this prompter holds that no prompt asked for (typos in an answers file). */
  unused(): string[];
  /**
   * A secret keyceremony made itself (a backup passphrase, a share) rather than asked for: a rehearsal keeps it,
   * under `id`, in rehearsal-secrets.json; other prompters ignore it.
   */
  recordGenerated?(id: string, value: string): void;
}

export const INITIALS = /^[A-Za-z]{2,4}$/;
