// JobStream follows one job's WebSocket: it replays from `since`, applies events through the
// reducer, and reconnects by itself (with `since` = the last applied seq) after a dropped
// socket, a server restart or a gap, until audit_complete arrives.

import { ApiError, getJob, streamURL } from './api';
import { apply, initialState, type StreamState } from './reducer';
import type { AuditEvent } from './types';

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface StreamSnapshot {
  state: StreamState;
  connection: Connection;
  /** Set when following the job had to stop (the job was deleted, say). */
  error: string | null;
}

const maxBackoffMs = 4000;

export class JobStream {
  private state: StreamState;
  private connection: Connection = 'connecting';
  private error: string | null = null;
  private ws: WebSocket | null = null;
  private stopped = false;
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly jobId: string,
    agents: string[],
    private readonly onChange: (s: StreamSnapshot) => void,
  ) {
    this.state = initialState(jobId, agents);
  }

  snapshot(): StreamSnapshot {
    return { state: this.state, connection: this.connection, error: this.error };
  }

  start(): void {
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close(1000);
    this.ws = null;
  }

  private emit(): void {
    if (!this.stopped) this.onChange(this.snapshot());
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let url: string;
    try {
      if (this.failures > 0) await getJob(this.jobId); // is the server back, and the job still there?
      url = await streamURL(this.jobId, this.state.lastSeq);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        this.finish(e.message);
        return;
      }
      this.retry();
      return;
    }
    if (this.stopped) return;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.failures = 0;
      this.connection = 'live';
      this.emit();
    };
    ws.onmessage = (m) => {
      if (this.ws !== ws) return;
      let ev: AuditEvent;
      try {
        ev = JSON.parse(String(m.data));
      } catch {
        return;
      }
      if (typeof ev.seq !== 'number') return; // pong, or a connection-level error message
      const next = apply(this.state, ev);
      if (next === this.state) return;
      this.state = next;
      if (next.gapAt !== null) {
        // Events went missing: start again from the last one applied.
        this.ws = null;
        ws.close(1000);
        this.connection = 'reconnecting';
        this.emit();
        void this.connect();
        return;
      }
      if (next.complete) {
        // The stream stays open after audit_complete; the client closes it.
        this.ws = null;
        ws.close(1000);
        this.connection = 'closed';
      }
      this.emit();
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.retry();
    };
  }

  private retry(): void {
    if (this.stopped) return;
    this.failures++;
    this.connection = 'reconnecting';
    this.emit();
    const wait = Math.min(maxBackoffMs, 250 * 2 ** Math.min(this.failures - 1, 5)) * (0.75 + Math.random() / 2);
    this.timer = setTimeout(() => void this.connect(), wait);
  }

  private finish(error: string): void {
    this.error = error;
    this.connection = 'closed';
    this.emit();
    this.stopped = true;
  }
}
