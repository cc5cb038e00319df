/**
 * Getting data into the store: the bundled datasets as a vintage, and submission files (CLI and API).
 * Every path validates through `ingestFile`, the one validation path of the project.
 */
import { statSync } from 'node:fs';
import { ingestFile, type IngestResult } from '../ingest/ingest.js';
import type { EconomyClassifier } from '../ingest/validate.js';
import { loadEconomyRegistry } from '../registry/economies.js';
import { bundledContentHash, loadBundled, readManifest } from '../ingest/bundled.js';

export { bundledContentHash };
import { ingestReportJson } from '../ingest/report.js';
import { datasetsDir } from '../util/paths.js';
import type { Store, SubmissionRecord } from './store.js';

export interface BundledLoadResult {
  submission: SubmissionRecord;
  duplicate: boolean;
  sha256: string;
}

/**
 * Load the bundled datasets (merged by the manifest's precedence) as one multi-economy submission.
 * Idempotent: when the same content is already stored, nothing is written and `duplicate` is true.
 */
export async function loadBundledIntoStore(store: Store, opts: { dir?: string; submittedBy?: string } = {}): Promise<BundledLoadResult> {
  const dir = opts.dir ?? datasetsDir();
  const sha256 = bundledContentHash(dir);
  // Loaded once, ever: a later load does not put the bundled values back over revisions made since.
  const prior = store.findByContent(sha256, null, { evenIfRevised: true });
  if (prior) return { submission: prior, duplicate: true, sha256 };
  const table = await loadBundled({ dir });
  const r = store.recordSubmission({
    economy: null,
    submittedBy: opts.submittedBy ?? 'ictstat db load',
    sha256,
    vintage: `bundled-${sha256.slice(0, 12)}`,
    sourceName: 'datasets/manifest.json',
    findings: { bundled: true, files: readManifest(dir).files.length },
    table,
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
 * Authorisation comes first: a file with rows of an economy other than the submitter's is `forbidden` (403)
 * whether or not it is also invalid (every row whose economy code resolves counts, valid or not).
 * A rejected or forbidden submission writes none of its data; it is recorded in `submission_attempts`
 * (who, when, content hash, why).
 */
export async function submitFile(store: Store, file: string, opts: SubmitOptions): Promise<SubmitResult> {
  const registry = loadEconomyRegistry();
  const named = new Set<string>();
  // Every economy the file names (classification is cached per distinct code by validation, so this is cheap).
  const economies: EconomyClassifier = {
    classify(code) {
      const c = registry.classify(code);
      if (c.kind === 'economy') named.add(c.economy.iso3);
      else if (c.kind === 'non-iso' && c.iso3) named.add(c.iso3);
      return c;
    },
  };
  const ingest = await ingestFile(file, { economies });
  const report = reportFor(ingest, opts.displayName ?? file);
  const bytes = statSync(file).size;
  const refuse = (outcome: 'rejected' | 'forbidden', detail: unknown): void => {
    store.recordAttempt({ economy: opts.economy ?? null, submittedBy: opts.submittedBy, sha256: ingest.sha256, bytes, outcome, detail });
  };
  if (opts.economy !== undefined) {
    const others = [...named].filter((e) => e !== opts.economy).sort();
    if (others.length) {
      refuse('forbidden', { otherEconomies: others.slice(0, 50), status: ingest.status });
      return { outcome: 'forbidden', ingest, report, otherEconomies: others };
    }
  }
  if (ingest.status === 'rejected') {
    refuse('rejected', { findingCounts: report.findingCounts, findings: (report.findings as unknown[]).slice(0, 20) });
    return { outcome: 'rejected', ingest, report };
  }
  const seen = new Set<string>();
  const econ = ingest.table.getChild('economy')!;
  for (let i = 0; i < ingest.table.numRows; i++) seen.add(econ.get(i) as string);
  const scope = opts.economy ?? (seen.size === 1 ? [...seen][0] : null);
  const r = store.recordSubmission({
    economy: scope,
    submittedBy: opts.submittedBy,
    sha256: ingest.sha256,
    vintage: opts.vintage ?? null,
    sourceName: opts.displayName ?? file,
    findings: report,
    table: ingest.table,
    receivedAt: opts.receivedAt,
  });
  return { outcome: r.duplicate ? 'duplicate' : 'accepted', ingest, report, submission: r.submission };
}

/** Ingest's JSON report with every file path replaced by a display name. */
function reportFor(r: IngestResult, displayName: string): Record<string, unknown> {
  const json = ingestReportJson(r) as Record<string, unknown> & { findings: Array<{ file: string; message: string }> };
  return {
    ...json,
    file: displayName,
    submissionId: displayName === r.file ? json.submissionId : `${displayName}@${r.sha256.slice(0, 12)}`,
    findings: json.findings.map((f) => ({ ...f, file: displayName, message: f.message.split(r.file).join(displayName) })),
  };
}
