import {
  envName,
  optionKey,
  parseWebhookConfig,
  WEBHOOK_FLAGS,
} from '../../../emulator/src/webhook/server/config';

/** The raw options as commander hands them over: every default filled in, then the overrides. */
function raw(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  for (const flag of WEBHOOK_FLAGS) values[optionKey(flag.name)] = flag.default;
  return { ...values, image: 'registry.example/imds-emulator:1.0', ...overrides };
}

describe('webhook configuration', () => {
  it('maps every default to InjectionSettings', () => {
    const config = parseWebhookConfig(raw());
    expect(config).toMatchObject({
      port: 8443,
      healthPort: 8081,
      sidecarMode: 'auto',
      logLevel: 'info',
      certs: {
        mode: 'files',
        certFile: '/etc/imds-emulator/tls/tls.crt',
        keyFile: '/etc/imds-emulator/tls/tls.key',
      },
    });
    expect(config.settings).toEqual({
      image: 'registry.example/imds-emulator:1.0',
      imagePullPolicy: 'IfNotPresent',
      sidecarPort: 16925,
      sidecarHealthPort: 16926,
      defaultRegion: 'us-east-1',
      defaultHttpTokens: 'optional',
      defaultSessionDuration: 3600,
      stsEndpoint: undefined,
      tokenAudience: 'sts.amazonaws.com',
      tokenExpirationSeconds: 3600,
      resources: { cpuRequest: '5m', memoryRequest: '32Mi', cpuLimit: '1', memoryLimit: '128Mi' },
      enforceNamespacePolicy: true,
    });
  });

  it('names each env variable after its flag', () => {
    expect(envName('tls-cert')).toBe('IMDS_EMULATOR_TLS_CERT');
    expect(envName('sidecar-memory-limit')).toBe('IMDS_EMULATOR_SIDECAR_MEMORY_LIMIT');
    expect(optionKey('sidecar-memory-limit')).toBe('sidecarMemoryLimit');
  });

  it.each([
    [{ image: undefined }, /^--image: is required .*IMDS_EMULATOR_IMAGE/],
    [{ image: 'has space' }, /^--image: /],
    [{ port: '0' }, /^--port: must be a whole number from 1 to 65535, got "0"/],
    [{ port: '8081' }, /^--health-port: must differ from --port/],
    [{ 'cert-mode': 'magic' }, /^--cert-mode: must be one of files, self-managed, got "magic"/],
    [{ sidecarMode: 'sometimes' }, /^--sidecar-mode: must be one of auto, native, classic/],
    [{ imagePullPolicy: 'always' }, /^--image-pull-policy: must be one of Always, IfNotPresent, Never/],
    [{ defaultRegion: 'Mars' }, /^--default-region: must be an AWS region/],
    [{ defaultHttpTokens: 'maybe' }, /^--default-http-tokens: /],
    [
      { defaultSessionDuration: '60' },
      /^--default-session-duration: must be a whole number from 900 to 43200/,
    ],
    [{ tokenExpiration: '599' }, /^--token-expiration: must be a whole number from 600/],
    [{ sidecarMemoryLimit: '128 MB' }, /^--sidecar-memory-limit: must be a Kubernetes quantity/],
    [{ namespacePolicy: 'yes' }, /^--namespace-policy: must be one of true, false/],
    [{ stsEndpoint: 'sts.local' }, /^--sts-endpoint: must be an http\(s\) URL/],
    [{ stsEndpoint: 'ftp://x' }, /^--sts-endpoint: must be an http\(s\) URL/],
    [{ sidecarHealthPort: '16925' }, /^--sidecar-health-port: must differ from --sidecar-port/],
    [{ logLevel: 'loud' }, /^--log-level: /],
    [{ namespace: 'Bad_NS' }, /^--namespace: must be a valid namespace name/],
  ])('rejects %j naming the flag', (overrides, message) => {
    // commander keys are camelCase; the table uses either spelling for readability
    const fixed = Object.fromEntries(Object.entries(overrides).map(([k, v]) => [optionKey(k), v]));
    expect(() => parseWebhookConfig(raw(fixed))).toThrow(message);
  });

  describe('self-managed certificates', () => {
    const selfManaged = {
      certMode: 'self-managed',
      certSecret: 'imds-emulator-webhook-tls',
      webhookConfiguration: 'imds-emulator',
      serviceName: 'imds-emulator-webhook',
    };

    it('takes the namespace from the flag, else POD_NAMESPACE', () => {
      expect(parseWebhookConfig(raw(selfManaged), { POD_NAMESPACE: 'imds' }).certs).toEqual({
        mode: 'self-managed',
        secretName: 'imds-emulator-webhook-tls',
        webhookConfiguration: 'imds-emulator',
        serviceName: 'imds-emulator-webhook',
        namespace: 'imds',
        caValiditySeconds: 315360000,
        certValiditySeconds: 31536000,
        syncSeconds: 60,
      });
      expect(
        parseWebhookConfig(raw({ ...selfManaged, namespace: 'own' }), { POD_NAMESPACE: 'imds' }).namespace,
      ).toBe('own');
    });

    it.each([
      ['certSecret', /^--cert-secret: is required with --cert-mode self-managed/],
      ['webhookConfiguration', /^--webhook-configuration: is required with --cert-mode self-managed/],
      ['serviceName', /^--service-name: is required with --cert-mode self-managed/],
    ])('requires %s', (key, message) => {
      expect(() =>
        parseWebhookConfig(raw({ ...selfManaged, [key]: undefined }), { POD_NAMESPACE: 'x' }),
      ).toThrow(message);
    });

    it('requires a namespace', () => {
      expect(() => parseWebhookConfig(raw(selfManaged))).toThrow(/^--namespace: is required .*POD_NAMESPACE/);
    });

    it('rejects a CA shorter-lived than the serving certificate', () => {
      expect(() =>
        parseWebhookConfig(raw({ ...selfManaged, caValiditySeconds: '100', certValiditySeconds: '200' }), {
          POD_NAMESPACE: 'x',
        }),
      ).toThrow(/^--ca-validity-seconds: must be at least --cert-validity-seconds \(200\)/);
    });

    it('rejects a Service name that is not a DNS label', () => {
      expect(() =>
        parseWebhookConfig(raw({ ...selfManaged, serviceName: 'a.b' }), { POD_NAMESPACE: 'x' }),
      ).toThrow(/^--service-name: must be a valid Kubernetes name/);
    });
  });
});
