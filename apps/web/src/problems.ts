import { ERROR_CODE_LABELS, FIELD_LABELS, STATUS_TEXT_BY_HTTP } from './labels';

/** An API failure, already in the words a county official reads. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
    readonly fieldErrors: string[],
  ) {
    super(message);
  }
}

export interface Problem {
  title?: string;
  detail?: string;
  code?: string;
  errors?: unknown;
}

/** RFC 9457 problem details → one Chinese sentence (known code, else the API's detail, else the status). */
export function problemMessage(status: number, problem: Problem | null): ApiError {
  const code = problem?.code ?? null;
  const fieldErrors: string[] = [];
  if (Array.isArray(problem?.errors)) {
    for (const e of problem.errors as Array<Record<string, unknown>>) {
      const field = String(e.field ?? e.property ?? e.column ?? '');
      const known = FIELD_LABELS[field.replace(/^.*\./, '').replace(/\[\d+\]$/, '')];
      if (e.row !== undefined) fieldErrors.push(`第${String(e.row)}行 ${known ?? field}：${String(e.message ?? '')}`);
      else if (known) fieldErrors.push(`请检查“${known}”`);
      else {
        const list = Array.isArray(e.messages) ? e.messages : Array.isArray(e.constraints) ? e.constraints : null;
        fieldErrors.push(`${field}：${list ? list.join('；') : String(e.message ?? e.detail ?? '')}`);
      }
    }
  }
  let message = (code && ERROR_CODE_LABELS[code]) || '';
  if (!message && status === 403) message = STATUS_TEXT_BY_HTTP[403];
  if (!message && status === 401) message = STATUS_TEXT_BY_HTTP[401];
  if (!message) message = problem?.detail || problem?.title || STATUS_TEXT_BY_HTTP[status] || `请求失败（${status}）`;
  return new ApiError(status, message, code, fieldErrors);
}
