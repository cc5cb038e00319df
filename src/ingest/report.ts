import type { IngestResult } from './ingest.js';
import { RULES, formatFinding } from './findings.js';
import { formatCount } from '../util/format.js';

const FORMAT_NAMES: Record<IngestResult['format'], string> = {
  canonical: 'canonical long CSV',
  'itu-datahub': 'ITU DataHub export CSV',
  'wb-long': 'World Bank long CSV',
  wide: 'wide CSV',
  json: 'JSON records',
  'arrow-file': 'Arrow IPC file',
  'arrow-stream': 'Arrow IPC stream',
  parquet: 'Parquet',
  xlsx: 'Excel workbook',
  unknown: 'unrecognised',
};

/** The validation report of one submission, as a statistician reads it in a terminal. */
export function formatIngestReport(r: IngestResult, maxFindings = 20): string {
  const n = formatCount;
  const lines = [
    `${r.file}: ${r.status.toUpperCase()} (${FORMAT_NAMES[r.format]}, ${r.encoding === 'utf-8' ? 'UTF-8' : 'Latin-1'})`,
    `  submission   ${r.submissionId}`,
    `  observations read ${n(r.observationsRead)}, accepted ${n(r.accepted)}, rejected ${n(r.rejected)}, skipped ${n(r.skipped)}` +
      (r.status === 'rejected' && r.valid > 0 ? ` (${n(r.valid)} valid rows not accepted: the submission is rejected as a whole)` : ''),
  ];
  if (r.sheets)
    for (const s of r.sheets)
      lines.push(
        `  sheet ${JSON.stringify(s.name)}: ${
          s.layout
            ? `${s.layout}, header row ${s.headerRow}, ${n(s.observations)} observations`
            : s.cover
              ? 'cover (the economy and reference year of the questionnaire)'
              : s.state === 'visible'
                ? 'not read'
                : `${s.state}, not read`
        }`,
      );
  if (r.accepted > 0)
    lines.push(`  economies ${n(r.economies)}; indicators ${r.indicators.join(', ')}; years ${r.years ? `${r.years[0]}-${r.years[1]}` : '-'}`);
  if (r.log.counts.size > 0) {
    lines.push('  findings:');
    for (const [rule, c] of [...r.log.counts.entries()].sort((a, b) =>
      a[1].severity === b[1].severity ? b[1].count - a[1].count : a[1].severity === 'error' ? -1 : 1,
    ))
      lines.push(`    ${String(c.count).padStart(7)} ${c.severity.padEnd(7)} ${rule}: ${RULES[rule]}`);
    // A few examples of each rule, errors first, so one noisy rule does not hide the others.
    const perRule = new Map<string, number>();
    const rank = { error: 0, warning: 1, info: 2 };
    const shown = r.log
      .sorted()
      .filter((f) => {
        const k = perRule.get(f.rule) ?? 0;
        perRule.set(f.rule, k + 1);
        return k < 3;
      })
      .sort((a, b) => rank[a.severity] - rank[b.severity] || (a.line ?? 0) - (b.line ?? 0))
      .slice(0, maxFindings);
    lines.push(`  examples (${shown.length}; --json lists up to 50 per rule):`);
    for (const f of shown) lines.push('    ' + formatFinding(f));
  } else lines.push('  no findings');
  if (r.rejectsFile) lines.push(`  rejected rows written to ${r.rejectsFile}`);
  return lines.join('\n');
}

/** The same report as JSON (for scripts and the API). */
export function ingestReportJson(r: IngestResult): object {
  return {
    file: r.file,
    submissionId: r.submissionId,
    sha256: r.sha256,
    status: r.status,
    format: r.format,
    encoding: r.encoding,
    observationsRead: r.observationsRead,
    accepted: r.accepted,
    valid: r.valid,
    rejected: r.rejected,
    skipped: r.skipped,
    economies: r.economies,
    indicators: r.indicators,
    years: r.years,
    rejectsFile: r.rejectsFile ?? null,
    ...(r.sheets ? { sheets: r.sheets } : {}),
    findingCounts: Object.fromEntries([...r.log.counts.entries()].map(([k, v]) => [k, v])),
    findings: r.log.sorted(),
  };
}
