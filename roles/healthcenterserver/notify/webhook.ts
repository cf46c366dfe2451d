// The webhook channel: an HTTP POST of a small JSON document to the clinic's URL, signed with
// HMAC-SHA256 over the body (X-Signature: sha256=HEX, the secret from a file), with an
// Idempotency-Key that is the same on every try of one message. Bounded: the whole exchange has a
// deadline, and at most webhook_answer_bytes_max of the answer is read.
import { createHmac } from "node:crypto";
import { notify_send_timeout_ms, webhook_answer_bytes_max } from "../../../shared/limits.ts";

export type WebhookTarget = { url: string; secret: string };

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * The webhook as a reason names it: without the URL's credentials (user:password@) or query (a token),
 * since a reason is kept in the outbox row, shown on the staff page and logged.
 */
export function shownWebhook(url: string): string {
  const u = URL.parse(url);
  return u ? `${u.protocol}//${u.host}${u.pathname}` : "(the webhook)";
}

/** Resolves once the receiver answered 2xx; throws a one-line reason otherwise (shownWebhook's, no secret). */
export async function postWebhook(target: WebhookTarget, document: object, key: string): Promise<void> {
  const body = JSON.stringify(document);
  const signal = AbortSignal.timeout(notify_send_timeout_ms);
  const shown = shownWebhook(target.url);
  let answer: Response;
  try {
    answer = await fetch(target.url, {
      method: "POST",
      body,
      signal,
      redirect: "manual",
      headers: {
        "content-type": "application/json",
        "x-signature": signature(target.secret, body),
        "idempotency-key": key,
      },
    });
  } catch (err) {
    const why = signal.aborted ? "no answer in time" : (err as Error).message.replaceAll(target.url, shown);
    throw new Error(`webhook ${shown}: ${why}`);
  }
  await drain(answer);
  if (answer.status < 200 || answer.status > 299) throw new Error(`webhook ${shown} answered ${answer.status}`);
}

/** Reads at most the cap of the answer, then lets the rest go (a 10 MB answer is not read). */
async function drain(answer: Response): Promise<void> {
  const reader = answer.body?.getReader();
  if (!reader) return;
  let read = 0;
  try {
    while (read <= webhook_answer_bytes_max) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
    }
  } catch {
    // an answer cut off midway still has its status
  } finally {
    void reader.cancel().catch(() => {});
  }
}
