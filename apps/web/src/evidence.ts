import { reactive } from 'vue';
import { API_BASE, ApiError, problemMessage } from './api';
import type { Problem } from './problems';
import { refreshSession, session } from './session';
import { downloadBlob } from './util';

/** An evidence entry as a report names it (API.md: `{ name, size, sha256 }`); `stored` when the file itself was uploaded. */
export interface Evidence {
  name: string;
  size: number;
  sha256: string;
  stored?: boolean;
}

/** What POST /evidence answers. */
export interface UploadedEvidence {
  sha256: string;
  size: number;
  name: string;
  type: string;
}

/** The upload in flight, for the progress bar (components/UploadProgress.vue): bytes of all the report's files. */
export const upload = reactive({ active: false, file: '', loaded: 0, total: 0 });

/** One file to POST /evidence, with progress (fetch reports none for a request body, XMLHttpRequest does). */
function send(file: File, onProgress: (loaded: number) => void, retried = false): Promise<UploadedEvidence> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${API_BASE}/evidence`);
    xhr.setRequestHeader('Accept', 'application/json');
    if (session.token) xhr.setRequestHeader('Authorization', `Bearer ${session.token}`);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onerror = () => reject(new ApiError(0, '无法连接服务器，请检查网络后重试', null, []));
    xhr.onload = async () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status === 200 || xhr.status === 201) return resolve(body as UploadedEvidence);
      // A password session's access token lives minutes: one refresh by the cookie, then the same upload again.
      if (xhr.status === 401 && session.kind === 'session' && !retried && (await refreshSession())) return send(file, onProgress, true).then(resolve, reject);
      if (xhr.status === 401) session.onUnauthorized?.();
      const err = problemMessage(xhr.status, body as Problem | null);
      reject(new ApiError(err.status, `${file.name}：${err.message}`, err.code, err.fieldErrors));
    };
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

/**
 * The report's evidence: each file is uploaded (stored under its SHA-256; the same file again is not
 * stored twice) and named by what the server answered. A file the server refuses (type, size) stops
 * the report before anything is recorded.
 */
export async function evidenceOf(files: FileList | File[] | null): Promise<Evidence[]> {
  const list = files ? Array.from(files) : [];
  if (list.length === 0) return [];
  Object.assign(upload, { active: true, file: '', loaded: 0, total: list.reduce((n, f) => n + f.size, 0) });
  const out: Evidence[] = [];
  let done = 0;
  try {
    for (const f of list) {
      upload.file = f.name;
      const answer = await send(f, (loaded) => (upload.loaded = done + Math.min(loaded, f.size)));
      done += f.size;
      upload.loaded = done;
      out.push({ name: f.name, size: answer.size, sha256: answer.sha256 });
    }
    return out;
  } finally {
    upload.active = false;
  }
}

/** The stored file, fetched with the user's token and saved under the name the report gave it. */
export async function downloadEvidence(itemId: string, ev: Evidence): Promise<void> {
  const target = `${API_BASE}/items/${encodeURIComponent(itemId)}/evidence/${ev.sha256}`;
  const get = () => fetch(target, { headers: session.token ? { Authorization: `Bearer ${session.token}` } : {} });
  let res = await get();
  if (res.status === 401 && session.kind === 'session' && (await refreshSession())) res = await get();
  if (!res.ok) {
    let problem: Problem | null;
    try {
      problem = (await res.json()) as Problem;
    } catch {
      problem = null;
    }
    throw problemMessage(res.status, problem);
  }
  downloadBlob(await res.blob(), ev.name);
}

/** Every evidence entry the item's reports name, oldest first, each file once. */
export function evidenceOfHistory(
  entries: ReadonlyArray<{ type: string; data: Record<string, unknown>; recordedAt: string }>,
): Array<Evidence & { reportedAt: string; type: string }> {
  const seen = new Set<string>();
  const out: Array<Evidence & { reportedAt: string; type: string }> = [];
  for (const e of entries) {
    if (!Array.isArray(e.data.evidence)) continue;
    for (const ev of e.data.evidence as Evidence[]) {
      if (seen.has(ev.sha256)) continue;
      seen.add(ev.sha256);
      out.push({ ...ev, reportedAt: e.recordedAt, type: e.type });
    }
  }
  return out;
}
