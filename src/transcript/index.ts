/**
 * Ceremony transcripts: hash-chained entries, the Markdown rendering, verification of a tree's history.
 *
 * The public surface of src/transcript/: code outside the folder imports from here only (enforced by
 * .dependency-cruiser.cjs). What is not exported here is the folder's own business.
 */
export { type JsonObject, type JsonValue, transcriptCanonicalJson, type TranscriptEntry } from './entry.js';
export { HISTORY_STARTS, type HistoryReport, readHistory } from './history.js';
export { renderTranscriptMarkdown } from './markdown.js';
export { TranscriptRecorder } from './recorder.js';
export { checkChain, verifyTranscriptDirectory } from './verify.js';
