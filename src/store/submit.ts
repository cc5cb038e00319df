/**
 * Getting data into the store: the bundled datasets as a vintage, and submission files (CLI and API).
 * Every path validates through `ingestFile`, the one validation path of the project.
 */
import { createHash } from 'node:crypto';
import { ingestFile, type IngestResult } from '../ingest/ingest.js';
import { loadBundled, readManifest } from '../table/bundled.js';
import { ingestReportJson } from '../cli/report.js';
import { datasetsDir } from '../util/paths.js';
import type { Store, SubmissionRecord } from './store.js';

export interface BundledLoadResult { submission: SubmissionRecord; duplicate: boolean; sha256: string }

/** A hash of the bundled content: the manifest's precedence and each file's path and sha256. */
export function bundledContentHash(dir = datasetsDir()): string {
  const m = readManifest(dir) as ReturnType<typeof readManifest> & { files: Array<{ sha256?: string }> };
  const h = createHash('sha256').update(JSON.stringify(m.precedence));
  for (const f of [...m.files].sort((a, b) => (a.path < b.path ? -1 : 1))) h.update(`\n${f.path}\t${f.sha256 ?? ''}`);
  return h.digest('hex');
}

/**
 * Load the bundled datasets (merged by the manifest's precedence) as one multi-economy submission.
 * Idempotent: when the same content is already stored, nothing is written and `duplicate` is true.
 */
export async function loadBundledIntoStore(store: Store, opts: { dir?: string; submittedBy?: string } = {}): Promise<BundledLoadResult> {
  const dir = opts.dir ?? datasetsDir();
  const sha256 = bundledContentHash(dir);
  const prior = store.findByContent(sha256, null);
  if (prior) return { submission: prior, duplicate: true, sha256 };
  const table = await loadBundled({ dir });
  const r = store.recordSubmission({
    economy: null, submittedBy: opts.submittedBy ?? 'ictstat db load', sha256, vintage: `bundled-${sha256.slice(0, 12)}`,
    sourceName: 'datasets/manifest.json', findings: { bundled: true, files: readManifest(dir).files.length }, table,
  });
  return { ...r, sha256 };
}

export type SubmitOutcome = 'accepted' | 'duplicate' | 'rejected' | 'forbidden';

export interface SubmitResult {
  outcome: SubmitOutcome;
  ingest: IngestResult;
  /** The validation report (ingest's JSON report), with `file` as the given display name. */
  report: Record<string, unknown>;
  submission?: SubmissionRecord;
  /** With outcome 'forbidden': the economies in the file that the submitter may not write. */
  otherEconomies?: string[];
}

export interface SubmitOptions {
  /** Only this economy may appear in the file (a token's scope); undefined = any economy (the CLI). */
  economy?: string;
  submittedBy: string;
  vintage?: string;
  /** The name the report shows instead of the file path (the API never shows a server path). */
  displayName?: string;
  receivedAt?: Date;
}

/**
 * Validate a file and, if it is accepted and within the submitter's economy, store it as one revision.
 * A rejected or forbidden submission writes nothing.
 */
export async function submitFile(store: Store, file: string, opts: SubmitOptions): Promise<SubmitResult> {
  const ingest = await ingestFile(file);
  const report = reportFor(ingest, opts.displayName ?? file);
  if (ingest.status === 'rejected') return { outcome: 'rejected', ingest, report };
  const seen = new Set<string>();
  const econ = ingest.table.getChild('economy')!;
  for (let i = 0; i < ingest.table.numRows; i++) seen.add(econ.get(i) as string);
  if (opts.economy !== undefined) {
    const others = [...seen].filter((e) => e !== opts.economy).sort();
    if (others.length) return { outcome: 'forbidden', ingest, report, otherEconomies: others };
  }
  const scope = opts.economy ?? (seen.size === 1 ? [...seen][0] : null);
  const r = store.recordSubmission({
    economy: scope, submittedBy: opts.submittedBy, sha256: ingest.sha256, vintage: opts.vintage ?? null,
    sourceName: opts.displayName ?? file, findings: report, table: ingest.table, receivedAt: opts.receivedAt,
  });
  return { outcome: r.duplicate ? 'duplicate' : 'accepted', ingest, report, submission: r.submission };
}

/** Ingest's JSON report with every file path replaced by a display name. */
function reportFor(r: IngestResult, displayName: string): Record<string, unknown> {
  const json = ingestReportJson(r) as Record<string, unknown> & { findings: Array<{ file: string; message: string }> };
  return {
    ...json, file: displayName, submissionId: displayName === r.file ? json.submissionId : `${displayName}@${r.sha256.slice(0, 12)}`,
    findings: json.findings.map((f) => ({ ...f, file: displayName, message: f.message.split(r.file).join(displayName) })),
  };
}
