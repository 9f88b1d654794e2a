import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Where the built web app lives: apps/web/dist, found from this file both when run from the sources
 * (ts-jest: apps/api/src/web) and when compiled (dist/apps/api/src/web), else from the working folder.
 */
export function findWebRoot(): string | null {
  const candidates = [
    path.resolve(__dirname, '../../../web/dist'),
    path.resolve(__dirname, '../../../../../apps/web/dist'),
    path.resolve(process.cwd(), 'apps/web/dist'),
  ];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html'))) ?? null;
}

/** Paths that belong to the API and its operations, never to the single-page app. */
export function isApiPath(urlPath: string): boolean {
  return /^\/(api|health|metrics)(\/|$)/.test(urlPath);
}
