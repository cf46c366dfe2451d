// Every answer of the staff page carries the same security headers; these build them.
const security_headers: Record<string, string> = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};

export function reply(
  body: string | ReadableStream<Uint8Array> | null,
  status: number,
  type: string,
  extra: Record<string, string> = {},
): Response {
  return new Response(body, { status, headers: { ...security_headers, "Content-Type": type, ...extra } });
}

export const text = (body: string, status = 200, extra: Record<string, string> = {}) =>
  reply(body, status, "text/plain; charset=utf-8", extra);

export const json = (value: unknown, status = 200, extra: Record<string, string> = {}) =>
  reply(JSON.stringify(value), status, "application/json", extra);

/** A form body (application/x-www-form-urlencoded), or undefined when it cannot be read (too large). */
export async function formOf(req: Request): Promise<URLSearchParams | undefined> {
  try {
    return new URLSearchParams(await req.text());
  } catch {
    return undefined;
  }
}
