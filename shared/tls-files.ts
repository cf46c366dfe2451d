// TLS material read and matched when it is given (at `check` and at start-up), so a certificate
// that is not one, or a key that does not match it, is a usage error naming the file rather than
// a crash on the first TLS connection.
import { createPrivateKey, X509Certificate } from "node:crypto";
import { createSecureContext } from "node:tls";
import { UsageError } from "./errors.ts";
import { readFlagFile } from "./regular-file.ts";

/** Where a path came from, for the message: `--tls-cert`, or `tls_cert in deploy.toml`. */
export type Named = { label: string; path: string };

/** Reads a certificate and its private key and checks that they are PEM and belong together. */
export function readTlsPair(cert: Named, key: Named): { cert: string; key: string } {
  const certText = readFlagFile(cert.label, cert.path);
  const keyText = readFlagFile(key.label, key.path);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certText);
  } catch (err) {
    throw bad(cert, `is not a PEM certificate (${reason(err)})`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(keyText);
  } catch (err) {
    throw bad(key, `is not a PEM private key without a passphrase (${reason(err)})`);
  }
  if (!certificate.checkPrivateKey(privateKey))
    throw bad(key, `does not match the certificate in ${cert.path} (${cert.label}): give the key it was made with`);
  try {
    createSecureContext({ cert: certText, key: keyText });
  } catch (err) {
    throw bad(cert, `cannot be used with ${key.path} (${reason(err)})`);
  }
  return { cert: certText, key: keyText };
}

/** Reads certificates to trust (a CA or a self-signed server certificate) and checks the first is one. */
export function readTlsCa(ca: Named): string {
  const text = readFlagFile(ca.label, ca.path);
  try {
    new X509Certificate(text);
  } catch (err) {
    throw bad(ca, `is not a PEM certificate (${reason(err)})`);
  }
  return text;
}

function bad(file: Named, problem: string): UsageError {
  return new UsageError(`${file.label}: ${file.path} ${problem}`, { hint: false });
}

function reason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ?? e.message?.split("\n")[0] ?? String(err);
}
