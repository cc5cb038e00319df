/** Hermetic tests: nothing from the user's environment chooses a store or a data directory. */
for (const k of Object.keys(process.env)) if (k.startsWith('ICTSTAT_')) delete process.env[k];
