/**
 * The JSON Patch that puts the CA bundle into every webhook of a MutatingWebhookConfiguration. Pure.
 */
import { parseBundle } from './plan';

export interface WebhookEntry {
  name: string;
  /** base64 of the PEM bundle, as the API returns `clientConfig.caBundle`. */
  caBundle?: string;
}

export type PatchOperation =
  | { op: 'test'; path: string; value: string }
  | { op: 'add' | 'replace'; path: string; value: string };

export interface BundlePatch {
  ops: PatchOperation[];
  /**
   * The configuration already trusts a CA newer than any in our bundle: another replica has rotated and this one
   * read the Secret before that. Writing would roll the bundle back, so the caller re-reads the Secret instead.
   */
  stale: boolean;
}

function fingerprints(base64: string | undefined): Set<string> {
  return new Set(
    parseBundle(Buffer.from(base64 ?? '', 'base64').toString('utf8')).map((c) => c.fingerprint256),
  );
}

/**
 * Ops to set every webhook's caBundle to `bundlePem`, only for those that differ. Each write is guarded by a `test`
 * of the webhook's name at that index, so a concurrent reordering makes the patch fail instead of mislabelling.
 */
export function caBundlePatch(webhooks: readonly WebhookEntry[], bundlePem: string): BundlePatch {
  const wanted = Buffer.from(bundlePem, 'utf8').toString('base64');
  const ours = parseBundle(bundlePem);
  const newest = Math.max(...ours.map((c) => Date.parse(c.validFrom)));
  const known = new Set(ours.map((c) => c.fingerprint256));
  const stale = webhooks.some((w) =>
    parseBundle(Buffer.from(w.caBundle ?? '', 'base64').toString('utf8')).some(
      (c) => !known.has(c.fingerprint256) && Date.parse(c.validFrom) > newest,
    ),
  );
  if (stale) return { ops: [], stale };
  const ops = webhooks.flatMap((w, i): PatchOperation[] =>
    w.caBundle === wanted
      ? []
      : [
          { op: 'test', path: `/webhooks/${i}/name`, value: w.name },
          {
            op: w.caBundle === undefined ? 'add' : 'replace',
            path: `/webhooks/${i}/clientConfig/caBundle`,
            value: wanted,
          },
        ],
  );
  return { ops, stale };
}

/** Whether every webhook trusts the CA `caPem` (and there is at least one webhook). */
export function webhooksTrust(webhooks: readonly WebhookEntry[], caPem: string): boolean {
  const [ca] = parseBundle(caPem);
  return (
    ca !== undefined &&
    webhooks.length > 0 &&
    webhooks.every((w) => fingerprints(w.caBundle).has(ca.fingerprint256))
  );
}
