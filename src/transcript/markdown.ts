/**
 * The transcript for people: a Markdown rendering of the JSON Lines, published next to it. It is derived
 * data; `transcript verify` re-renders it and requires the published copy to match byte for byte.
 */
import { transcriptCanonicalJson, type JsonObject, type JsonValue, type TranscriptEntry } from './entry.js';

function str(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  // Canonical, so the rendering of a parsed transcript equals the rendering made while recording it.
  return transcriptCanonicalJson(value);
}

function obj(value: JsonValue | undefined): JsonObject {
  return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

function escape(text: string): string {
  return text.replace(/([\\`*_[\]|<>])/g, '\\$1');
}

/** A change view (src/ceremony/changes.ts) as a Markdown table, indented under its list item. */
function changeTable(d: JsonObject): string {
  const rows = Array.isArray(d['rows']) ? d['rows'].map(obj) : [];
  const cell = (v: JsonValue | undefined): string => escape(str(v)).replace(/\n/g, ' ');
  const lines = [
    '',
    '',
    '  | item | before | after | change |',
    '  |---|---|---|---|',
    ...rows.map((r) => `  | ${cell(r['item'])} | ${cell(r['before'])} | ${cell(r['after'])} | ${cell(r['mark'])} |`),
  ];
  const notes = Array.isArray(d['notes']) ? d['notes'] : [];
  if (notes.length > 0) lines.push('', ...notes.map((n) => `  ${escape(str(n))}`));
  return `${lines.join('\n')}\n`;
}

const ITEM_FIELDS: Record<string, string> = {
  serial: 'serial number',
  'bag-opened': 'taken out of tamper-evident bag',
  'bag-sealed': 'to be sealed in tamper-evident bag',
};

function summary(entry: TranscriptEntry): string {
  const d = entry.data;
  switch (entry.event) {
    case 'preflight.network':
      return `network: ${str(d['verdict'])}${d['override'] ? ` (override: ${str(d['override'])})` : ''}`;
    case 'preflight.clock':
      return `system clock confirmed: ${str(d['systemTime'])}`;
    case 'preflight.checklist':
      return `checklist confirmed: ${escape(str(d['item']))}`;
    case 'step.start':
      return `**${escape(str(d['title']))}** (\`${str(d['action'])}\`)`;
    case 'step.done':
      return 'step done';
    case 'prompt.answered':
      return `prompt \`${str(d['id'])}\` answered (${str(d['kind'])}, from ${str(d['source'])}${d['generated'] ? ', generated' : ''})`;
    case 'witness.confirmed': {
      const check = obj(d['check']);
      const looked = d['check']
        ? check['typed'] === true
          ? ` (typed the last groups of the ${escape(str(check['what']))}: \`${str(check['lastGroups'])}\`)`
          : ` (the ${escape(str(check['what']))} was not typed back: ${escape(str(check['reason']))})`
        : '';
      return `${escape(str(d['role']))} confirmed with initials **${escape(str(d['initials']))}**${looked}: ${escape(str(d['statement']))}`;
    }
    case 'record.place':
      return `place: **${escape(str(d['place']))}**`;
    case 'record.participant':
      return `${escape(str(d['title']))} (${escape(str(d['role']))}): **${escape(str(d['name']))}**`;
    case 'record.item':
      return `${escape(str(d['what']))} — ${ITEM_FIELDS[str(d['field'])] ?? escape(str(d['field']))}: **${escape(str(d['value']))}**`;
    case 'preflight.history':
      return `gaps in the transcript history accepted: ${escape(((d['problems'] as string[] | undefined) ?? []).join('; '))}`;
    case 'ceremony.aborted':
      return `**ceremony ABORTED**${d['step'] ? ` in step \`${str(obj(d['step'])['id'])}\`` : ''}: ${escape(str(d['reason']))}; everything it wrote was rolled back${d['signed'] ? '' : ` (record unsigned: ${escape(str(d['unsigned']))})`}`;
    case 'key.generated':
      return `key generated: ${str(d['kind'])} ${str(d['algorithm'])} \`${str(d['id'])}\`${d['expires'] ? `, expires ${str(d['expires'])}` : ''}`;
    case 'handoff.issued':
      return `hand-off for **${escape(str(d['signer']))}**: subkey(s) ${str(d['subkeys'])}`;
    case 'rotation.planned':
      return `rotation planned for root \`${str(d['root'])}\`: ${escape(((d['changes'] as { key: string; change: string }[] | undefined) ?? []).map((c) => `${c.key}: ${c.change}`).join('; '))}`;
    case 'changes.planned':
      return `**what changes** — ${escape(str(d['subject']))}; confirmed before anything was signed:${changeTable(d)}`;
    case 'changes.refused':
      return `the changes to ${escape(str(d['subject']))} were **not confirmed**; nothing was signed`;
    case 'key.renewed':
      return `key renewed: \`${str(d['id'])}\`${d['label'] ? ` (${escape(str(d['label']))})` : ''} expires ${str(d['from'])} → ${str(d['to'])}`;
    case 'key.revoked':
      return `key revoked: \`${str(d['id'])}\` (${escape(str(d['reason']))})`;
    case 'key.unlocked':
      return `key unlocked: ${str(d['kind'])} \`${str(d['id'])}\` (${str(d['location'])})`;
    case 'output.written':
      return `wrote ${str(d['tree'])}/\`${str(d['path'])}\` (${str(d['size'])} bytes, sha256 \`${str(d['sha256'])}\`)`;
    case 'backup.covers':
      return `backup \`${str(d['backup'])}\` holds vault state \`${str(d['vaultState'])}\``;
    case 'backup.out-of-date':
      return `**the backups are out of date**: the vault changed (state \`${str(d['vaultState'])}\`) and ${d['newestBackup'] ? `the newest backup, \`${str(obj(d['newestBackup'])['name'])}\`, holds it as it was before` : 'no backup of it is recorded'}; confirmed that a new backup will be made`;
    case 'check.passed':
      return `check passed: ${escape(str(d['check']))}${d['detail'] ? ` — ${escape(str(d['detail']))}` : ''}`;
    case 'transcript.signer':
      return `transcript signed by the ceremony-transcripts key \`${str(d['key'])}\` of root \`${str(d['root'])}\``;
    case 'ceremony.end':
      return `ceremony complete (${str(d['entries'])} entries)`;
    default:
      return `${entry.event} ${escape(transcriptCanonicalJson(d))}`;
  }
}

export function renderTranscriptMarkdown(entries: readonly TranscriptEntry[]): string {
  const start = entries[0];
  const data = obj(start?.data);
  const script = obj(data['script']);
  const tool = obj(data['tool']);
  const rehearsal = data['rehearsal'] === true;
  const end = entries.at(-1);
  const aborted = end?.event === 'ceremony.aborted' ? end.data : undefined;
  const previous = data['previous'];
  const lines: string[] = [];
  lines.push(
    `# Ceremony transcript: ${escape(str(script['title']))}${rehearsal ? ' — REHEARSAL' : ''}${aborted ? ' — ABORTED' : ''}`,
    '',
  );
  if (rehearsal) lines.push('> **REHEARSAL** — throwaway keys; nothing here is for production use.', '');
  if (aborted) {
    lines.push(
      `> **ABORTED** — ${escape(str(aborted['reason']))}. Everything this ceremony wrote was rolled back; this is the record of what happened until it stopped.`,
      '',
    );
  }
  lines.push('| | |', '|---|---|');
  lines.push(`| Organisation | ${escape(str(data['organisation']))} |`);
  lines.push(
    `| Script | \`${str(script['name'])}\` version ${escape(str(script['version']))}, sha256 \`${str(script['sha256'])}\` |`,
  );
  lines.push(`| Tool | keyceremony ${str(tool['version'])}, code sha256 \`${str(tool['codeSha256'])}\` |`);
  lines.push(`| Started | ${str(start?.time)} |`);
  lines.push(`| ${aborted ? 'Aborted' : 'Finished'} | ${str(end?.time)} |`);
  if (previous !== undefined) {
    const link = obj(previous);
    lines.push(
      `| Previous transcript | ${previous === null ? 'none: the first ceremony of this history' : `${escape(str(link['name']))}, sha256 \`${str(link['sha256'])}\``} |`,
    );
  }
  const place = entries.find((e) => e.event === 'record.place');
  if (place) lines.push(`| Place | ${escape(str(place.data['place']))} |`);
  const people = entries.filter((e) => e.event === 'record.participant');
  if (people.length > 0) {
    lines.push(
      `| Participants | ${people.map((e) => `${escape(str(e.data['name']))} (${escape(str(e.data['role']))})`).join(', ')} |`,
    );
  }
  lines.push(`| Answers from | ${str(data['answers'])} |`);
  lines.push(`| Entries | ${entries.length}, last hash \`${str(entries.at(-1)?.hash)}\` |`, '');
  lines.push(`Purpose: ${escape(str(data['purpose']))}`, '');
  lines.push('## Record', '');
  let currentStep: string | null = null;
  for (const entry of entries) {
    if (entry.step !== currentStep) {
      currentStep = entry.step;
      lines.push(
        '',
        currentStep ? `### Step \`${currentStep}\` — role ${escape(entry.role ?? '')}` : '### Ceremony',
        '',
      );
    }
    lines.push(`- \`${String(entry.seq).padStart(3, '0')}\` ${entry.time.slice(11, 19)} ${summary(entry)}`);
  }
  lines.push('', 'Verify with `keyceremony transcript verify DIR` (chain, signature, outputs).', '');
  return lines.join('\n');
}
