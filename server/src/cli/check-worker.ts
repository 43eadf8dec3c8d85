import { parentPort, workerData } from 'node:worker_threads';
import { createNixParser } from '../parse/parser';
import { checkFiles } from './check-files';

/** A worker thread of `jetson-nix check`: checks its share of the files and posts the reports. */
void (async () => {
  const parser = await createNixParser();
  parentPort!.postMessage(checkFiles(parser, (workerData as { files: string[] }).files));
})().catch((err: unknown) => {
  parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) });
});
