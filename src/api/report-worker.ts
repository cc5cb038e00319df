/**
 * Builds the MIS report in a child process of the server (`/report/`), so that a build (seconds of CPU, hundreds of
 * MiB) never stalls the server's event loop nor stays in its memory: it reads the store through its own connection,
 * writes the build directory and each file's encodings (report-files.ts), says how it went and exits. It exits too
 * when the server goes away. The server starts it through `nice` (report.ts); without, it lowers its priority before
 * it loads the report's modules.
 */
import { lowerProcessPriority } from './priority.js';

lowerProcessPriority(); // below the server's event loop (priority.ts), before any work

// No top-level await: the CLI bundle is CommonJS (scripts/build-cli.ts).
void Promise.all([import('../report/build.js'), import('../util/errors.js'), import('./report-files.js')]).then(
  ([{ buildReport }, { UserInputError }, { encodeReportBuild }]) => {
    const { edition, out, storePath } = JSON.parse(process.argv[2]) as { edition: number; out: string; storePath: string };
    process.on('disconnect', () => process.exit(1));
    const done = (m: object): void => {
      process.send!(m, undefined, {}, () => process.exit(0));
    };
    buildReport({ edition, out, source: { kind: 'store', path: storePath } })
      // Each file encoded once here, where the memory goes back to the system when the process ends (report-files.ts).
      .then(() => done({ ok: true, encoded: encodeReportBuild(out) }))
      .catch((e: unknown) => done({ ok: false, userError: e instanceof UserInputError, message: (e as Error).message, code: (e as { code?: string }).code }));
  },
);
