import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JobStream, type StreamSnapshot } from './stream';
import type { AuditEvent } from './types';

const job = '0195f0c8-7d2a-7000-8000-000000000002';

/** A WebSocket stand-in: the test opens it, feeds it messages and drops it. */
class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  closedBy: number | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  open() {
    this.onopen?.();
  }
  send(ev: object) {
    this.onmessage?.({ data: JSON.stringify(ev) });
  }
  drop(code = 1006) {
    this.onclose?.({ code });
  }
  close(code = 1000) {
    this.closedBy = code;
  }
  get since() {
    return Number(new URL(this.url).searchParams.get('since'));
  }
}

const last = () => FakeSocket.all[FakeSocket.all.length - 1];
const ev = (seq: number, rest: object): AuditEvent => ({ job_id: job, seq, timestamp: '2026-12-07T18:00:00Z', ...rest }) as AuditEvent;
const queued = ev(1, { type: 'job_queued', enabled_agents: ['numeric_validation'] });
const started = ev(2, { type: 'agent_started', agent_id: 'numeric_validation' });
const progress = ev(3, { type: 'agent_progress', agent_id: 'numeric_validation', done: 1, total: 4 });
const completed = ev(4, { type: 'agent_completed', agent_id: 'numeric_validation', findings: [] });
const complete = ev(5, { type: 'audit_complete', status: 'completed', summary: { findings: 0, high: 0, medium: 0, low: 0, errors: 0 } });

let fetches: string[] = [];
let auths: (string | null)[] = [];
let answer: (url: string) => Response = () => new Response('{}', { status: 200 });
let store: Record<string, string> = {};

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
  fetches = [];
  auths = [];
  store = {};
  answer = () => new Response(JSON.stringify({ id: job }), { status: 200 });
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('location', { protocol: 'http:', host: '127.0.0.1:8000' });
  vi.stubGlobal('sessionStorage', {
    getItem: (k: string) => store[k] ?? null,
    setItem: (k: string, v: string) => (store[k] = v),
    removeItem: (k: string) => delete store[k],
  });
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    fetches.push(`${init?.method ?? 'GET'} ${url}`);
    auths.push(new Headers(init?.headers).get('Authorization'));
    return answer(url);
  });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function follow() {
  const seen: StreamSnapshot[] = [];
  const s = new JobStream(job, ['numeric_validation'], (snap) => seen.push(snap));
  s.start();
  return { s, seen, now: () => seen[seen.length - 1] ?? s.snapshot() };
}

describe('JobStream', () => {
  it('reconnects after a dropped socket with since = the last seq, shows reconnecting, and misses nothing', async () => {
    const { s, now } = follow();
    await vi.advanceTimersByTimeAsync(0);
    expect(last().url).toBe(`ws://127.0.0.1:8000/ws/jobs/${job}?since=0`);
    last().open();
    expect(now().connection).toBe('live');
    last().send(queued);
    last().send(started);
    last().send(progress);
    last().drop();
    expect(now().connection).toBe('reconnecting');
    // The server is down: the job cannot be read, so the stream keeps trying.
    answer = () => {
      throw new TypeError('connection refused');
    };
    await vi.advanceTimersByTimeAsync(400);
    expect(FakeSocket.all).toHaveLength(1);
    expect(now().connection).toBe('reconnecting');
    answer = () => new Response(JSON.stringify({ id: job }), { status: 200 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(FakeSocket.all).toHaveLength(2);
    expect(last().since).toBe(3);
    last().open();
    expect(now().connection).toBe('live');
    last().send(progress); // a repeat
    last().send(completed);
    last().send(complete);
    expect(now().state.lastSeq).toBe(5);
    expect(now().state.cards.numeric_validation.status).toBe('done');
    // After audit_complete the client closes the socket and does not come back.
    expect(last().closedBy).toBe(1000);
    expect(now().connection).toBe('closed');
    await vi.advanceTimersByTimeAsync(10000);
    expect(FakeSocket.all).toHaveLength(2);
    s.stop();
  });

  it('reconnects at once from the last applied seq when events go missing', async () => {
    const { s, now } = follow();
    await vi.advanceTimersByTimeAsync(0);
    last().open();
    last().send(queued);
    last().send(started);
    last().send(completed); // seq 4 after 2
    expect(FakeSocket.all[0].closedBy).toBe(1000);
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeSocket.all).toHaveLength(2);
    expect(last().since).toBe(2);
    last().open();
    last().send(progress);
    last().send(completed);
    expect(now().state.lastSeq).toBe(4);
    expect(now().state.gapAt).toBeNull();
    s.stop();
  });

  it('stops with the server sentence when the job was deleted', async () => {
    const { s, now } = follow();
    await vi.advanceTimersByTimeAsync(0);
    last().open();
    last().send(queued);
    last().drop(1000);
    answer = () =>
      new Response(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'No audit job has this id.' }), {
        status: 404,
        headers: { 'Content-Type': 'application/problem+json' },
      });
    await vi.advanceTimersByTimeAsync(5000);
    expect(now().error).toBe('No audit job has this id.');
    expect(now().connection).toBe('closed');
    await vi.advanceTimersByTimeAsync(30000);
    expect(FakeSocket.all).toHaveLength(1);
    s.stop();
  });

  it('fetches a stream ticket before each connect when an API key is set, and keeps the key out of the URL', async () => {
    store['veritas.apiKey'] = 'k-secret';
    let n = 0;
    answer = (url) => new Response(JSON.stringify(url.endsWith('/stream-ticket') ? { ticket: `t${++n}` } : { id: job }), { status: 200 });
    const { s } = follow();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetches).toEqual([`POST /api/v1/jobs/${job}/stream-ticket`]);
    expect(last().url).toBe(`ws://127.0.0.1:8000/ws/jobs/${job}?since=0&ticket=t1`);
    last().open();
    last().send(queued);
    last().drop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(last().url).toBe(`ws://127.0.0.1:8000/ws/jobs/${job}?since=1&ticket=t2`);
    expect(FakeSocket.all.some((w) => w.url.includes('k-secret'))).toBe(false);
    expect(auths.length).toBeGreaterThan(1);
    expect(auths.every((a) => a === 'Bearer k-secret')).toBe(true);
    s.stop();
  });
});
