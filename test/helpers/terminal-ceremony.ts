/**
 * Answering a ceremony's paper-trail prompts at a real terminal (tmux) as the room would: the witnesses read
 * the code SHA-256 from the screen (as the operator reads it aloud) and type its last four groups, then the
 * place, everyone's printed name and the serial and bag numbers are typed in.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { initialsOf } from './answers.js';
import type { TmuxSession } from './tmux.js';

interface ScriptShape {
  roles: { id: string; title: string; officer?: boolean }[];
  preflight?: { codeHashBy?: string[] };
  record?: { place?: boolean; names?: boolean; items?: { id: string; what: string; record?: string[] }[] };
  closing?: { roles: string[] };
}

function readScript(path: string): ScriptShape {
  return parse(readFileSync(path, 'utf8')) as ScriptShape;
}

/** "Witness (witness-1)": how prompts name a role. */
export function who(script: string, role: string): string {
  return `${readScript(script).roles.find((r) => r.id === role)?.title ?? role} (${role})`;
}

/** The last four groups of the hex value printed on the line after `label` (as "ABCD 1234 …"). */
export function lastGroupsAfter(screen: string, label: string): string {
  const lines = screen.split('\n');
  const at = lines.findLastIndex((l) => l.includes(label));
  const hex = (lines[at + 1] ?? '').replace(/\s+/g, '');
  if (at < 0 || !/^[0-9A-F]{40,64}$/.test(hex)) throw new Error(`no value after "${label}" on the screen:\n${screen}`);
  return (hex.slice(-16).match(/.{4}/g) ?? []).join(' ');
}

/** A witness checkpoint: the last four groups of what was shown (when asked), then initials. */
export async function witnessAtTerminal(
  tmux: TmuxSession,
  name: string,
  initials: string,
  groups?: string,
): Promise<void> {
  if (groups !== undefined) await tmux.answer(`${name}: type the last 4 groups`, { text: groups });
  await tmux.answer(`${name}: type your initials`, { text: initials });
}

/** The code-hash witnesses, then place, names and items, in the order the runner asks them. */
export async function paperTrailAtTerminal(tmux: TmuxSession, script: string, quorum = false): Promise<void> {
  const s = readScript(script);
  for (const role of s.preflight?.codeHashBy ?? []) {
    await tmux.waitFor(/type the last 4 groups of the code SHA-256/);
    const groups = lastGroupsAfter(await tmux.screen(true), 'Code SHA-256 (read it aloud');
    await witnessAtTerminal(tmux, who(script, role), initialsOf(role), groups);
  }
  if (s.record?.place) await tmux.answer('Where does this ceremony take place', { text: 'Room 4.12, Berlin' });
  if (s.record?.names)
    // Officer roles (officer: true) are asked only when the vault has a quorum.
    for (const r of s.roles.filter((role) => !role.officer || quorum))
      await tmux.answer(`${r.title} (${r.id}): your name`, { text: `Test ${initialsOf(r.id)}` });
  for (const item of s.record?.items ?? [])
    for (const field of item.record ?? ['serial']) {
      const question = field === 'serial' ? 'serial number' : 'number of the tamper-evident bag';
      await tmux.answer(`${item.what}: ${question}`, { text: `${item.id}-${field}-7` });
    }
}

/** The closing checkpoint: each role types the last four groups of the transcript SHA-256 shown, then initials. */
export async function closingAtTerminal(tmux: TmuxSession, script: string): Promise<string> {
  await tmux.waitFor(/Transcript SHA-256 \(sha256sum of the \.jsonl file\):\n.*\n/, 30_000);
  const screen = await tmux.screen(true);
  const groups = lastGroupsAfter(screen, 'Transcript SHA-256 (sha256sum');
  for (const role of readScript(script).closing?.roles ?? [])
    await witnessAtTerminal(tmux, who(script, role), initialsOf(role), groups);
  return groups;
}

/**
 * A share typed from paper at the hidden share prompt, a row of four words at a time, as a custodian or officer
 * would. `notAWord`: a word typed so that it is no share word at all (its row is refused, naming the word, and
 * typed again). `mistyped`: a word replaced by another share word (the check symbols find it after the last row;
 * only that word is typed again).
 */
export async function typeShareAtTerminal(
  tmux: TmuxSession,
  label: string,
  words: readonly string[],
  typos: { notAWord?: { position: number; typed: string }; mistyped?: { position: number; typed: string } } = {},
): Promise<void> {
  for (let from = 1; from <= words.length; from += 4) {
    const to = Math.min(from + 3, words.length);
    const row = words.slice(from - 1, to);
    const prompt = `${label}, words ${from}–${to} (hidden):`;
    const bad = typos.notAWord;
    if (bad && bad.position >= from && bad.position <= to) {
      const wrong = [...row];
      wrong[bad.position - from] = bad.typed;
      await tmux.answer(prompt, { text: wrong.join(' ') });
      await tmux.waitFor(
        new RegExp(
          `word ${bad.position} is not a share word \\(check its spelling against the sheet\\); type words ${from}–${to} again`,
        ),
      );
    }
    const typo = typos.mistyped;
    const typed = [...row];
    if (typo && typo.position >= from && typo.position <= to) typed[typo.position - from] = typo.typed;
    await tmux.answer(prompt, { text: typed.join(' ') });
  }
  if (typos.mistyped) {
    const { position } = typos.mistyped;
    await tmux.waitFor(new RegExp(`word ${position} is mistyped: the checksum points at it`));
    await tmux.answer(`${label}: type word ${position} again (hidden):`, { text: words[position - 1]! });
  }
}
