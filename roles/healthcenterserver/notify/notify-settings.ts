// [notify] of the deployment file and the --smtp / --webhook flags, read and checked at start-up:
// a bad URL, an unreadable secret or a bad quiet-hours range stops the server with one line, before
// any message is written.
import { readFlagFile } from "../../../shared/regular-file.ts";
import { UsageError } from "../../../shared/errors.ts";
import { quiet_hours_default, reminder_hours_default } from "../../../shared/limits.ts";
import { parseDuration } from "../calendar/duration.ts";
import type { Clinic } from "./compose.ts";
import { checkAddress, parseSmtpUrl, type SmtpTarget } from "./email.ts";
import type { Channel, OutboxPolicy } from "./outbox-plan.ts";
import type { WebhookTarget } from "./webhook.ts";
import { parseQuiet } from "./when.ts";

export type NotifySettings = {
  policy: OutboxPolicy;
  clinic: Clinic;
  smtp: SmtpTarget | undefined;
  webhook: WebhookTarget | undefined;
};

function firstLine(file: string, what: string): string {
  // As every operator file is read: a FIFO or a link to /dev/zero is refused at once, not waited on or read forever.
  const text = readFlagFile(what, file);
  const line = text.split("\n")[0]!.trim();
  if (line === "") throw new UsageError(`${what} ${file}: the first line is empty`);
  return line;
}

/** Undefined when no channel is configured: the outbox is off and bookings write no messages. */
export function readNotifySettings(
  n: Record<string, string>,
  flags: { smtp?: string; webhook?: string },
  zone: string,
): NotifySettings | undefined {
  const smtpUrl = flags.smtp ?? n.smtp;
  const webhookUrl = flags.webhook ?? n.webhook;
  if (smtpUrl === undefined && webhookUrl === undefined) return undefined;
  const channels: Channel[] = [];
  let smtp: SmtpTarget | undefined;
  if (smtpUrl !== undefined) {
    parseSmtpUrl(smtpUrl);
    if (n.from === undefined) throw new UsageError("[notify] smtp needs from = ADDRESS (the sender)");
    const from = checkFrom(n.from);
    const password = n.smtp_password_file ? firstLine(n.smtp_password_file, "smtp_password_file") : undefined;
    if ((n.smtp_user === undefined) !== (password === undefined))
      throw new UsageError("[notify] smtp_user and smtp_password_file go together");
    smtp = { url: smtpUrl, user: n.smtp_user, password, from };
    channels.push("email");
  }
  let webhook: WebhookTarget | undefined;
  if (webhookUrl !== undefined) {
    if (!/^https?:\/\/[^\s]+$/.test(webhookUrl) || !URL.canParse(webhookUrl))
      throw new UsageError(`webhook "${webhookUrl}": expected http://HOST[:PORT]/PATH or https://...`);
    if (n.webhook_secret_file === undefined)
      throw new UsageError("[notify] webhook needs webhook_secret_file = FILE (the HMAC-SHA256 key)");
    webhook = { url: webhookUrl, secret: firstLine(n.webhook_secret_file, "webhook_secret_file") };
    channels.push("webhook");
  }
  const reminderMinutes = parseDuration(n.reminder ?? `${reminder_hours_default}h`, "reminder", {
    min: 1,
    max: 14 * 24 * 60,
  });
  const quiet = parseQuiet(n.quiet ?? quiet_hours_default);
  const clinic: Clinic = { ...readClinic(n), zone, from: smtp?.from ?? "" };
  return { policy: { zone, reminderMinutes, quiet, channels }, clinic, smtp, webhook };
}

/** The clinic's name and address ([notify] clinic, address), for messages and `patient --ics` alike. */
export function readClinic(n: Record<string, string>): { name: string; address: string } {
  return { name: n.clinic ?? "the health center", address: n.address ?? "" };
}

function checkFrom(text: string): string {
  try {
    return checkAddress(text);
  } catch (err) {
    throw new UsageError(`[notify] from: ${(err as Error).message}`);
  }
}
