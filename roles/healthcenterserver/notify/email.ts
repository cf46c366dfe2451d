// The email channel: SMTP to the clinic's relay with nodemailer (STARTTLS when the relay offers it,
// AUTH when a user and password file are given), a plain-text body and the appointment's .ics both
// inline (text/calendar, for calendar programs) and attached. The Message-ID is the message's key,
// the same on every try, and so is the Idempotency-Key header: a receiver can tell a repeat.
import nodemailer from "nodemailer";
import { UsageError } from "../../../shared/errors.ts";
import { notify_send_timeout_ms } from "../../../shared/limits.ts";

export type SmtpTarget = { url: string; user?: string; password?: string; from: string };

export type Email = { to: string; subject: string; text: string; ics: string; method: string; key: string };

/** smtp://host:port (STARTTLS when offered) or smtps://host:port (TLS from the start). */
export function parseSmtpUrl(text: string): { host: string; port: number; secure: boolean } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`smtp "${text}": expected smtp://HOST:PORT or smtps://HOST:PORT`);
  }
  if (url.username || url.password)
    // Said without the URL: the refusal goes to the terminal and the journal, the password must not.
    throw new UsageError(
      "smtp: the URL carries a user or password: give smtp_user, and the password in smtp_password_file",
    );
  if ((url.protocol !== "smtp:" && url.protocol !== "smtps:") || !url.hostname)
    throw new UsageError(`smtp "${text}": expected smtp://HOST:PORT or smtps://HOST:PORT (the password in a file)`);
  const secure = url.protocol === "smtps:";
  return { host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || (secure ? 465 : 587)), secure };
}

/** A message that no retry can deliver (a bad address, a relay's 5xx for the recipient): failed at once. */
export class Undeliverable extends Error {}

/** A header's value must be one line: an address with a line break in it would inject headers. */
export function checkAddress(address: string): string {
  if (/[\r\n]/.test(address)) throw new Undeliverable(`address ${JSON.stringify(address)} has a line break`);
  if (!/^[^\s@<>",;]{1,64}@[^\s@<>",;]{1,189}\.[^\s@<>",;]{1,63}$/.test(address))
    throw new Undeliverable(`not a valid email address: ${JSON.stringify(address)}`);
  return address;
}

export class Mailer {
  private readonly transport: ReturnType<typeof nodemailer.createTransport>;

  constructor(private readonly target: SmtpTarget) {
    const { host, port, secure } = parseSmtpUrl(target.url);
    this.transport = nodemailer.createTransport({
      host,
      port,
      secure,
      auth: target.user ? { user: target.user, pass: target.password ?? "" } : undefined,
      connectionTimeout: notify_send_timeout_ms,
      greetingTimeout: notify_send_timeout_ms,
      socketTimeout: notify_send_timeout_ms,
    });
  }

  /** Resolves once the relay took the message; throws a one-line reason otherwise. */
  async send(mail: Email): Promise<void> {
    const to = checkAddress(mail.to);
    try {
      await this.transport.sendMail({
        from: this.target.from,
        to,
        subject: mail.subject,
        text: mail.text,
        messageId: `<${mail.key}>`,
        headers: { "Idempotency-Key": mail.key },
        icalEvent: { method: mail.method, filename: "appointment.ics", content: mail.ics },
      });
    } catch (err) {
      const e = err as Error & { code?: string; responseCode?: number; command?: string };
      const permanent = e.command === "RCPT TO" && (e.responseCode ?? 0) >= 500;
      throw new (permanent ? Undeliverable : Error)(
        `smtp ${this.target.url}: ${e.code ?? ""} ${e.message.split("\n")[0]}`.replace(/\s+/g, " "),
      );
    }
  }

  close(): void {
    this.transport.close();
  }
}
