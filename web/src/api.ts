// REST client. Every failure becomes an ApiError whose message is a sentence a person can
// read: the server's problem+json `detail` when there is one.

import type { Agent, Job, Result } from './types';

const KEY_STORAGE = 'veritas.apiKey';

/** The API key of this browser tab, if the server asks for one (VERITAS_API_KEYS). */
export function apiKey(): string {
  try {
    return sessionStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    return '';
  }
}

export function setApiKey(key: string): void {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage may be disabled; the key then lasts as long as nothing: open mode still works
  }
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const unreachable = 'The Veritas server cannot be reached. Check that it is running, then try again.';

let reachable: (() => void) | null = null;

/** Registers f to run after each answer from the server (to clear a "cannot be reached"). */
export function onReachable(f: (() => void) | null): void {
  reachable = f;
}

async function request(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('Accept', 'application/json');
  const key = apiKey();
  if (key) headers.set('Authorization', `Bearer ${key}`);
  let resp: Response;
  try {
    resp = await fetch(path, { ...init, headers });
  } catch {
    throw new ApiError(unreachable, 0);
  }
  reachable?.();
  if (!resp.ok) throw await problem(resp);
  return resp;
}

async function problem(resp: Response): Promise<ApiError> {
  let detail = '';
  try {
    const body = await resp.json();
    if (body && typeof body.detail === 'string') detail = body.detail;
  } catch {
    // not JSON: a proxy's page, say
  }
  if (!detail) {
    detail =
      resp.status >= 500
        ? `The server could not answer (HTTP ${resp.status}). Try again in a moment.`
        : `The request was refused (HTTP ${resp.status}).`;
  }
  return new ApiError(detail, resp.status);
}

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  const resp = await request(path, init);
  return (await resp.json()) as T;
}

export function listAgents(): Promise<Agent[]> {
  return json<Agent[]>('/api/v1/agents');
}

export interface JobPage {
  jobs: Job[];
  hasMore: boolean;
}

export async function listJobs(limit: number, before?: string): Promise<JobPage> {
  const q = new URLSearchParams({ limit: String(limit) });
  if (before) q.set('before', before);
  const resp = await request(`/api/v1/jobs?${q}`);
  const jobs = (await resp.json()) as Job[];
  return { jobs, hasMore: /rel="?next"?/.test(resp.headers.get('Link') ?? '') };
}

export function getJob(id: string): Promise<Job> {
  return json<Job>(`/api/v1/jobs/${encodeURIComponent(id)}`);
}

export function getResults(id: string): Promise<Result[]> {
  return json<Result[]>(`/api/v1/jobs/${encodeURIComponent(id)}/results`);
}

export function uploadDocument(file: File, name: string, agents: string[]): Promise<Job> {
  const form = new FormData();
  form.append('file', file);
  if (name.trim()) form.append('name', name.trim());
  form.append('enabled_agents', JSON.stringify(agents));
  return json<Job>('/api/v1/documents/upload', { method: 'POST', body: form });
}

export function renameJob(id: string, name: string): Promise<Job> {
  return json<Job>(`/api/v1/jobs/${encodeURIComponent(id)}`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name }),
  });
}

export function cancelJob(id: string): Promise<Job> {
  return json<Job>(`/api/v1/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
}

/**
 * A file the server makes of a finished job: its findings as an Excel workbook, or the uploaded
 * Word document with a comment on each finding. Fetched rather than linked, so that the API key
 * goes in a header.
 */
export async function exportFile(id: string, file: 'results.xlsx' | 'annotated.docx'): Promise<Blob> {
  const resp = await request(`/api/v1/jobs/${encodeURIComponent(id)}/${file}`);
  return resp.blob();
}

export async function deleteJob(id: string): Promise<void> {
  await request(`/api/v1/jobs/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/**
 * The WebSocket address of a job's stream from `since`. With an API key set, a single-use
 * ticket is fetched first (browsers cannot put headers on a WebSocket; keys never go in URLs).
 */
export async function streamURL(id: string, since: number): Promise<string> {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const q = new URLSearchParams({ since: String(since) });
  if (apiKey()) {
    const t = await json<{ ticket: string }>(`/api/v1/jobs/${encodeURIComponent(id)}/stream-ticket`, {
      method: 'POST',
    });
    q.set('ticket', t.ticket);
  }
  return `${proto}//${location.host}/ws/jobs/${encodeURIComponent(id)}?${q}`;
}
