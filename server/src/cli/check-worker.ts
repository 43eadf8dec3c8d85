import { parentPort, workerData } from 'node:worker_threads';
import { createNixParser } from '../parse/parser';
import { checkFiles, type SharedFacts } from './check-files';

/** A worker thread of `jetson-nix check`: checks its share of the files and posts the reports. */
void (async () => {
  const parser = await createNixParser();
  const data = workerData as { files: string[]; shared: SharedFacts };
  parentPort!.postMessage(checkFiles(parser, data.files, data.shared));
})().catch((err: unknown) => {
  parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) });
});
