/**
 * People bringing shares back from paper: the one way a ceremony collects k shares of a split secret, for the
 * backup custodians (restore, recovery drill) and for the quorum officers (unlocking a quorum vault or token).
 *
 * The holders are asked in share order whether they are here (prompt `<presentPrefix>.<holder>`); each holder who
 * is types their share hidden, a row at a time (prompts/terminal-prompter.ts), or gives the path of a file
 * holding it. Every word is checked as it is typed, then the whole share: its check symbols (a mistyped word is
 * named by position, never shown), its share set (a share of an earlier, retired set is named as such), and
 * that it is this holder's share and not given twice. Collection stops at k shares; fewer is refused.
 */
import { resolve } from 'node:path';
import { decodeShare, encodeShare, type Share, ShareFormatError, shareWordProblem } from '../backup/index.js';
import { hexSet } from '../backup/index.js';
import { KeyceremonyError } from '../errors.js';
import { readInputFile } from '../util/input-file.js';
import { decodeUtf8 } from '../util/utf8.js';
import type { CeremonyContext } from './context.js';
import { isSharePath, type ShareProblem } from './prompts/prompter.js';

/** The largest share file read: a share with comments fits in far less. */
export const MAX_SHARE_FILE_BYTES = 64 * 1024;

/** A share answer is the words themselves, or the path of a text file holding them ('#' lines ignored). */
export async function shareText(answer: string): Promise<string> {
  const trimmed = answer.trim();
  if (!isSharePath(trimmed)) return trimmed;
  const path = trimmed.startsWith('~/') ? resolve(process.env['HOME'] ?? '/', trimmed.slice(2)) : resolve(trimmed);
  let text: string;
  try {
    // A share is a few dozen words: a file much larger than that (or not a file) is not one, and is not read.
    const bytes = await readInputFile(path, 'share file', { maxBytes: MAX_SHARE_FILE_BYTES });
    text = decodeUtf8(bytes, `the share file ${path}`, 'INPUT_INVALID');
  } catch (error) {
    if (error instanceof KeyceremonyError) throw new ShareFormatError(error.message);
    throw error;
  }
  return text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join(' ');
}

export interface ShareHolder {
  /** The holder's role id. */
  readonly role: string;
  readonly title: string;
  /** The share number printed on the holder's sheet. */
  readonly number: number;
}

/** A share set retired by a re-sharing ceremony: its shares open nothing any more. */
export interface RetiredShareSet {
  readonly set: string;
  readonly retired: string;
  readonly by: string;
}

/** What the ceremony knows of the share set whose shares are collected. */
export interface ShareSetDescription {
  /** What the shares are called in messages: "backup share", "officer share". */
  readonly kind: string;
  /** What the set is of, for messages: "this backup", "this vault's quorum". */
  readonly of: string;
  /** Four hex digits. */
  readonly set: string;
  readonly threshold: number;
  readonly count: number;
  readonly shareWords: number;
  /** Every holder, in share order. */
  readonly holders: readonly ShareHolder[];
  readonly retired?: readonly RetiredShareSet[];
}

export interface CollectOptions {
  /** Prompt id prefix for "is this holder here?": `<prefix>.<role>`. */
  readonly presentPrefix: string;
  /** Prompt id of a holder's share. */
  readonly shareId: (role: string) => string;
  /** Holders that may be asked (e.g. the officer roles this script has); default: all. */
  readonly eligible?: (holder: ShareHolder) => boolean;
  /** Transcript event recording each holder's answer to "are you here?", and the key naming the holder in it. */
  readonly presentEvent: string;
  readonly holderKey: string;
}

/** Why `share` is not the one `holder` should bring, or undefined. */
function shareProblem(
  share: Share,
  description: ShareSetDescription,
  holder: ShareHolder,
  collected: readonly Share[],
): string | undefined {
  const set = hexSet(share.set);
  if (set !== description.set || share.threshold !== description.threshold || share.count !== description.count) {
    const retired = description.retired?.find((r) => r.set === set);
    if (retired)
      return `it is a share of the retired share set ${set} (retired ${retired.retired.slice(0, 10)} by ${retired.by}); ${description.of} needs a share of set ${description.set}, which opens it now — the old set opens nothing`;
    return `it belongs to another share set (${set}, ${share.threshold} of ${share.count}; ${description.of} has share set ${description.set}, ${description.threshold} of ${description.count})`;
  }
  if (share.number !== holder.number) {
    const other = description.holders.find((h) => h.number === share.number);
    return `it is share ${share.number}, which was given to ${other ? `${other.title} (${other.role})` : 'nobody'}, not share ${holder.number}`;
  }
  if (collected.some((c) => c.number === share.number)) return `share ${share.number} was already given`;
  return undefined;
}

/** Collects k shares of the described set from the holders who are here. */
export async function collectShares(
  ctx: CeremonyContext,
  description: ShareSetDescription,
  options: CollectOptions,
): Promise<Share[]> {
  const collected: Share[] = [];
  const asked = description.holders.filter((h) => options.eligible?.(h) ?? true);
  for (const holder of asked) {
    if (collected.length >= description.threshold) break;
    const presentId = `${options.presentPrefix}.${holder.role}`;
    const present = await ctx.prompts.confirm(
      presentId,
      `Is ${holder.title} (${holder.role}) here with ${description.kind} ${holder.number}?`,
    );
    ctx.transcript.record(options.presentEvent, {
      [options.holderKey]: holder.role,
      share: holder.number,
      present,
      prompt: presentId,
      source: ctx.prompts.source,
    });
    if (!present) continue;
    const who = `${description.kind} ${holder.number} of ${holder.title} (${holder.role})`;
    const read = async (answer: string): Promise<Share> => {
      const share = decodeShare(await shareText(answer), description.shareWords);
      const problem = shareProblem(share, description, holder, collected);
      if (problem) throw new ShareFormatError(problem);
      return share;
    };
    const answer = await ctx.share({
      id: options.shareId(holder.role),
      label: `${description.kind[0]?.toUpperCase()}${description.kind.slice(1)} ${holder.number} (${holder.title}, ${holder.role})`,
      words: description.shareWords,
      checkWord: (word, position) => shareWordProblem(word, position),
      check: async (value): Promise<ShareProblem | undefined> => {
        try {
          await read(value);
          return undefined;
        } catch (error) {
          if (error instanceof ShareFormatError)
            return { message: `${who}: ${error.message}`, position: error.position };
          throw error;
        }
      },
    });
    const share = await read(answer);
    ctx.protectSecret(encodeShare(share).join(' '));
    collected.push(share);
    ctx.transcript.record('check.passed', {
      check: `${description.kind} accepted (checksum, share set, holder)`,
      detail: `share ${share.number} of ${holder.role}, set ${description.set}`,
    });
    ctx.ui.success(
      `${description.kind[0]?.toUpperCase()}${description.kind.slice(1)} ${share.number} of ${holder.title} accepted`,
    );
  }
  if (collected.length < description.threshold) {
    throw new KeyceremonyError(
      'QUORUM_NOT_MET',
      `only ${collected.length} of the ${description.threshold} ${description.kind}s needed were given: ${description.of} cannot be opened`,
      {
        details:
          asked.length < description.threshold
            ? [`Only ${asked.length} holder(s) of set ${description.set} could be asked in this ceremony.`]
            : [],
      },
    );
  }
  return collected;
}
