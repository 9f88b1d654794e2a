import { createHmac } from 'node:crypto';
import type { AttemptResult, ChannelConfig, OutboxMessage } from '@ledger/read-models/notifications';

/** The request a channel makes of a message: its own published format, our idempotency key in a header. */
export interface ChannelRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Receivers may drop a repeat by this header (a crash between their answer and our record of it resends). */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const SIGNATURE_HEADER = 'X-Ledger-Signature';
export const TIMESTAMP_HEADER = 'X-Ledger-Timestamp';

function linkOf(message: OutboxMessage, base: string): string | null {
  return message.payload.path && base ? `${base}${message.payload.path}` : null;
}

function markdown(message: OutboxMessage, base: string): string {
  const link = linkOf(message, base);
  return [
    `### ${message.payload.title}`,
    ...message.payload.lines,
    ...(link ? [`[${message.kind === 'bulletin' ? '查看通报' : '查看事项'}](${link})`] : []),
  ].join('\n\n');
}

/** DingTalk's 加签: base64 HMAC-SHA256 of "timestamp\nsecret" keyed by the secret (open.dingtalk.com, 自定义机器人安全设置). */
export function dingTalkSign(timestampMs: number, secret: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/** The generic webhook's signature: hex HMAC-SHA256 keyed by the secret over "<timestamp>.<body>", so a replayed body with a new timestamp fails. */
export function webhookSignature(timestampMs: number, body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampMs}.${body}`).digest('hex')}`;
}

function fill(template: unknown, values: Record<string, string>): unknown {
  if (typeof template === 'string') return template.replace(/\{\{(\w+)\}\}/g, (all, key: string) => values[key] ?? all);
  if (Array.isArray(template)) return template.map((t) => fill(t, values));
  if (template && typeof template === 'object') return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fill(v, values)]));
  return template;
}

export function buildRequest(channel: ChannelConfig, message: OutboxMessage, linkBase: string, nowMs: number): ChannelRequest {
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8', [IDEMPOTENCY_HEADER]: message.id };
  const link = linkOf(message, linkBase);
  switch (channel.type) {
    case 'webhook': {
      const body = JSON.stringify({
        id: message.id,
        kind: message.kind,
        event: message.eventType,
        eventId: message.eventId,
        itemId: message.itemId,
        audience: message.audience,
        title: message.payload.title,
        text: message.payload.lines.join('\n'),
        dueDate: message.payload.dueDate,
        link,
        createdAt: message.createdAt,
      });
      return {
        url: channel.url,
        headers: { ...headers, [TIMESTAMP_HEADER]: String(nowMs), [SIGNATURE_HEADER]: webhookSignature(nowMs, body, channel.secret!) },
        body,
      };
    }
    case 'dingtalk': {
      const body = JSON.stringify({ msgtype: 'markdown', markdown: { title: message.payload.title, text: markdown(message, linkBase) } });
      if (!channel.secret) return { url: channel.url, headers, body };
      const sep = channel.url.includes('?') ? '&' : '?';
      return { url: `${channel.url}${sep}timestamp=${nowMs}&sign=${encodeURIComponent(dingTalkSign(nowMs, channel.secret))}`, headers, body };
    }
    case 'wecom':
      return { url: channel.url, headers, body: JSON.stringify({ msgtype: 'markdown', markdown: { content: markdown(message, linkBase) } }) };
    case 'sms': {
      const text = [message.payload.title, ...message.payload.lines, ...(link ? [link] : [])].join(' ');
      const body = JSON.stringify(
        fill(channel.template, { id: message.id, to: (channel.to ?? []).join(','), title: message.payload.title, text, link: link ?? '' }),
      );
      return { url: channel.url, headers: { ...headers, ...(channel.headers ?? {}) }, body };
    }
  }
}

/**
 * Sends and waits for the receiver's answer, at most `timeoutMs`. Delivered: a 2xx answer whose JSON,
 * if it carries an `errcode` (DingTalk, WeCom), has 0.
 */
export async function send(request: ChannelRequest, timeoutMs: number, stop?: AbortSignal): Promise<AttemptResult> {
  const started = performance.now();
  const ms = () => performance.now() - started;
  try {
    const res = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: stop ? AbortSignal.any([AbortSignal.timeout(timeoutMs), stop]) : AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    const text = await res.text();
    if (res.status < 200 || res.status >= 300) return { ok: false, httpStatus: res.status, error: `HTTP ${res.status}: ${text.slice(0, 200)}`, ms: ms() };
    let errcode: unknown;
    try {
      errcode = (JSON.parse(text) as { errcode?: unknown }).errcode;
    } catch {
      errcode = undefined;
    }
    if (errcode !== undefined && errcode !== 0) return { ok: false, httpStatus: res.status, error: `refused by the receiver: ${text.slice(0, 200)}`, ms: ms() };
    return { ok: true, httpStatus: res.status, error: null, ms: ms() };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${err.message}${err.cause?.code ? ` (${err.cause.code})` : ''}`;
    return { ok: false, httpStatus: null, error: why, ms: ms() };
  }
}
