import {
  DEFAULT_ISSUER_GROUP,
  DEFAULT_ISSUER_KIND,
  DNS1123_SUBDOMAIN,
  ISSUER_KIND,
} from '@imds-emulator/contract';
import { check } from './validate';

/** Which component issues the webhook's serving certificate. */
export enum CertificateMode {
  /** The webhook creates its own CA and serving certificate in a Secret and writes the CA bundle itself. */
  SELF_MANAGED = 'selfManaged',
  /** cert-manager issues the certificate; its cainjector writes the CA bundle. */
  CERT_MANAGER = 'certManager',
}

/** A cert-manager issuer to sign the webhook's serving certificate. */
export interface CertManagerIssuer {
  /** Name of the Issuer or ClusterIssuer. */
  readonly name: string;
  /**
   * `Issuer` (in the webhook's namespace) or `ClusterIssuer`.
   * @default "Issuer"
   */
  readonly kind?: string;
  /**
   * API group of the issuer (external issuers have their own).
   * @default "cert-manager.io"
   */
  readonly group?: string;
}

/** Options of {@link WebhookCertificate.certManager}. */
export interface CertManagerOptions {
  /**
   * Issuer that signs the serving certificate.
   * @default - a self-signed `Issuer` named `<name>-selfsigned` is created next to the webhook
   */
  readonly issuer?: CertManagerIssuer;
}

/**
 * How the webhook gets its TLS certificate. Create one with {@link WebhookCertificate.selfManaged} or
 * {@link WebhookCertificate.certManager}.
 */
export class WebhookCertificate {
  /**
   * The webhook generates and rotates its own CA and serving certificate, stores them in a Secret shared by its
   * replicas and writes the CA bundle into its MutatingWebhookConfiguration. Needs nothing else installed.
   */
  public static selfManaged(): WebhookCertificate {
    return new WebhookCertificate(CertificateMode.SELF_MANAGED, undefined);
  }

  /** cert-manager issues the serving certificate and its cainjector writes the CA bundle. */
  public static certManager(options: CertManagerOptions = {}): WebhookCertificate {
    const issuer = options.issuer;
    if (issuer) {
      check('certificate issuer.name', DNS1123_SUBDOMAIN, issuer.name);
      if (issuer.kind !== undefined) check('certificate issuer.kind', ISSUER_KIND, issuer.kind);
      if (issuer.group !== undefined) check('certificate issuer.group', DNS1123_SUBDOMAIN, issuer.group);
    }
    return new WebhookCertificate(
      CertificateMode.CERT_MANAGER,
      issuer && {
        name: issuer.name,
        kind: issuer.kind ?? DEFAULT_ISSUER_KIND,
        group: issuer.group ?? DEFAULT_ISSUER_GROUP,
      },
    );
  }

  private constructor(
    /** Who issues the certificate. */
    public readonly mode: CertificateMode,
    /** The user's issuer in cert-manager mode, with defaults filled in; undefined when the construct creates one. */
    public readonly issuer: CertManagerIssuer | undefined,
  ) {}
}
