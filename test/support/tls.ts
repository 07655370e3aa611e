/**
 * A throw-away CA and a `localhost` serving certificate in files, for HTTPS test peers (moto as an HTTPS STS). Made
 * with the webhook's own certificate code.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateCa, issueServingCert } from '../../emulator/src/webhook/certs/generate';

export interface LocalhostTls {
  /** The CA certificate that clients trust (e.g. through NODE_EXTRA_CA_CERTS). */
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** The name the certificate is for: endpoints must use it. */
  readonly hostname: string;
}

const HOUR = 3600;

/** Writes `ca.crt`, `localhost.crt` and `localhost.key` into `dir`. */
export async function writeLocalhostTls(dir: string): Promise<LocalhostTls> {
  const now = new Date();
  const ca = await generateCa('imds-emulator test CA', now, HOUR);
  const serving = await issueServingCert(ca, ['localhost'], now, HOUR);
  const files = {
    caFile: join(dir, 'ca.crt'),
    certFile: join(dir, 'localhost.crt'),
    keyFile: join(dir, 'localhost.key'),
  };
  writeFileSync(files.caFile, ca.certPem);
  writeFileSync(files.certFile, serving.certPem);
  writeFileSync(files.keyFile, serving.keyPem, { mode: 0o600 });
  return { ...files, hostname: 'localhost' };
}
