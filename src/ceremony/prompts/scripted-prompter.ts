/**
 * Non-interactive prompts: answers from a YAML file (`run --answers FILE`), and rehearsal (`rehearse`),
 * which also confirms every checkpoint and generates throwaway secrets it does not find in the answers.
 */
import { KeyceremonyError } from '../../errors.js';
import { generatePassphrase } from '../../util/diceware.js';
import {
  INITIALS,
  plainTextProblem,
  type Prompter,
  type PromptSource,
  type SecretAnswer,
  type SecretRequest,
  type ShareRequest,
  type TextRequest,
} from './prompter.js';
import { weakness } from './passphrase-strength.js';
import { excerpt, unsafeCharacter } from '../../util/excerpt.js';
import { readInputFile } from '../../util/input-file.js';
import { parseYamlInput } from '../../util/yaml-input.js';

type Answer = string | boolean | number;

/** An answers file is a short list of prompt ids and answers. */
export const MAX_ANSWERS_BYTES = 1024 * 1024;

/**
 * Reads `run --answers FILE`: strict UTF-8 YAML (bounded aliases), a mapping of prompt id to a string, number
 * or true/false. No error quotes an answer (they are passphrases); ids are quoted as short excerpts.
 */
export async function readAnswersFile(path: string): Promise<Map<string, Answer>> {
  const bytes = await readInputFile(path, 'answers file', { maxBytes: MAX_ANSWERS_BYTES });
  const { value: parsed } = parseYamlInput(bytes, `answers file ${path}`, 'ANSWERS_INVALID');
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new KeyceremonyError('ANSWERS_INVALID', `answers file ${path} must be a mapping of prompt id to answer`);
  }
  const answers = new Map<string, Answer>();
  const bad: string[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (unsafeCharacter(key)) bad.push(`${excerpt(key)}: a prompt id cannot contain control characters`);
    else if (typeof value === 'string' && unsafeCharacter(value))
      bad.push(`${excerpt(key)}: the answer contains a control character (not shown)`);
    else if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number')
      answers.set(key, value);
    else bad.push(`${excerpt(key)}: the answer must be a string, number or true/false`);
  }
  if (bad.length)
    throw new KeyceremonyError('ANSWERS_INVALID', `answers file ${path} has invalid answers`, {
      details: bad.length > 10 ? [...bad.slice(0, 10), `… and ${bad.length - 10} more`] : bad,
    });
  return answers;
}

export class ScriptedPrompter implements Prompter {
  readonly source: PromptSource;
  readonly #answers: Map<string, Answer>;
  readonly #used = new Set<string>();
  readonly #rehearsal: boolean;
  /** Secrets generated for a rehearsal, by prompt id (written to rehearsal-secrets.json). */
  readonly generated = new Map<string, string>();

  /** Answers that are offered, not expected (an earlier rehearsal's secrets): never reported as unused. */
  readonly #optional: ReadonlySet<string>;

  constructor(answers: Map<string, Answer>, options: { rehearsal: boolean; optional?: ReadonlySet<string> }) {
    this.#answers = answers;
    this.#rehearsal = options.rehearsal;
    this.#optional = options.optional ?? new Set();
    this.source = options.rehearsal ? 'rehearsal' : 'answers-file';
  }

  recordGenerated(id: string, value: string): void {
    if (this.#rehearsal) this.generated.set(id, value);
  }

  #take(id: string, what: string): Answer | undefined {
    const value = this.#answers.get(id);
    if (value !== undefined) this.#used.add(id);
    else if (!this.#rehearsal) {
      throw new KeyceremonyError('ANSWER_MISSING', `the answers file has no answer for prompt "${id}" (${what})`);
    }
    return value;
  }

  async confirm(id: string, message: string): Promise<boolean> {
    const value = this.#take(id, message);
    if (value === undefined) return true;
    if (value === true || value === 'yes') return true;
    if (value === false || value === 'no') return false;
    throw new KeyceremonyError('ANSWERS_INVALID', `answer to "${id}" must be yes or no (true/false)`);
  }

  async initials(id: string, message: string): Promise<string> {
    const value = this.#take(id, message);
    if (value === undefined) return 'RH';
    if (typeof value !== 'string' || !INITIALS.test(value)) {
      throw new KeyceremonyError('ANSWERS_INVALID', `answer to "${id}" must be initials (2–4 letters)`);
    }
    return value.toUpperCase();
  }

  async secret(request: SecretRequest): Promise<SecretAnswer> {
    const raw = this.#take(request.id, request.label);
    if (raw === undefined) {
      if (request.purpose === 'existing') {
        throw new KeyceremonyError(
          'ANSWER_MISSING',
          `no answer for "${request.id}" (${request.label}): a rehearsal on an existing vault needs the rehearsal-secrets.json of the rehearsal that made it`,
        );
      }
      const value = generatePassphrase(request.generatedWords);
      this.generated.set(request.id, value);
      return { value, generated: true };
    }
    const value = String(raw);
    if (request.purpose === 'new') {
      const confirmId = `${request.id}.confirm`;
      const confirmation = this.#answers.get(confirmId);
      if (confirmation !== undefined) {
        this.#used.add(confirmId);
        if (String(confirmation) !== value) {
          throw new KeyceremonyError(
            'PASSPHRASE_MISMATCH',
            `the two entries for "${request.id}" (${request.label}) do not match`,
          );
        }
      }
      const weak = weakness(value, request.minBits, request.kind);
      if (weak)
        throw new KeyceremonyError('PASSPHRASE_WEAK', `answer to "${request.id}" (${request.label}) is ${weak}`);
    } else if (request.check) {
      const wrong = await request.check(value);
      if (wrong) throw new KeyceremonyError('PASSPHRASE_WRONG', `answer to "${request.id}": ${wrong}`);
    }
    return { value, generated: false };
  }

  async share(request: ShareRequest): Promise<string> {
    const raw = this.#take(request.id, request.label);
    if (raw === undefined) {
      throw new KeyceremonyError(
        'ANSWER_MISSING',
        `no answer for "${request.id}" (${request.label}): a rehearsal needs the rehearsal-secrets.json of the rehearsal that made the shares`,
      );
    }
    const value = String(raw);
    // A file cannot type a word again: a wrong share stops the ceremony.
    const problem = await request.check(value);
    if (problem)
      throw new KeyceremonyError('SHARE_WRONG', `answer to "${request.id}" (${request.label}): ${problem.message}`);
    return value;
  }

  async text(request: TextRequest): Promise<string | undefined> {
    if (this.#rehearsal && !this.#answers.has(request.id)) return request.rehearsalAnswer;
    if (!this.#rehearsal && request.optionalInFile && !this.#answers.has(request.id)) return undefined;
    const raw = this.#take(request.id, request.message);
    if (raw === undefined) return request.rehearsalAnswer;
    const value = String(raw).trim();
    const invalid = plainTextProblem(value);
    if (invalid) throw new KeyceremonyError('ANSWERS_INVALID', `answer to "${request.id}": ${invalid}`);
    // A file cannot be asked again: an answer that does not match what was shown stops the ceremony.
    const wrong = request.check?.(value);
    if (wrong) throw new KeyceremonyError('CHECK_FAILED', `answer to "${request.id}": ${wrong}`);
    return value;
  }

  unused(): string[] {
    return [...this.#answers.keys()].filter((k) => !this.#used.has(k) && !this.#optional.has(k));
  }
}
