/**
 * Secrets never reach a log line: pino's redaction (createLogger's REDACTED_PATHS), as the JSON lines come out of the
 * logger the webhook writes its per-review lines with (a plain child of createLogger's logger, see webhook/server/run.ts).
 */
import { createLogger } from '../../emulator/src/common/logger';

function linesOf(object: Record<string, unknown>): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('webhook', {
    level: 'info',
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  logger.child({ part: 'admission' }).info(object, 'review');
  return lines;
}

const CASES: [Record<string, unknown>, Record<string, unknown>][] = [
  [
    { uid: 'u-1', namespace: 'default', generateName: 'app-', outcome: 'mutated', reason: 'injected' },
    { uid: 'u-1', namespace: 'default', generateName: 'app-', outcome: 'mutated', reason: 'injected' },
  ],
  [
    {
      token: 'secret-1',
      SessionToken: 'secret-2',
      credentials: { a: 'secret-3' },
      privateKey: 'secret-4',
      keep: 1,
    },
    {
      token: '[redacted]',
      SessionToken: '[redacted]',
      credentials: '[redacted]',
      privateKey: '[redacted]',
      keep: 1,
    },
  ],
  [
    { headers: { authorization: 'Bearer secret-5', 'x-aws-ec2-metadata-token': 'secret-6', host: 'h' } },
    { headers: { authorization: '[redacted]', 'x-aws-ec2-metadata-token': '[redacted]', host: 'h' } },
  ],
  [
    { sts: { token: 'secret-7', Token: 'secret-8', SecretAccessKey: 'secret-9', region: 'us-east-1' } },
    { sts: { token: '[redacted]', Token: '[redacted]', SecretAccessKey: '[redacted]', region: 'us-east-1' } },
  ],
];

test.each(CASES)('the webhook log line of %j redacts every secret and keeps the rest', (object, expected) => {
  const before = structuredClone(object);
  const lines = linesOf(object);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({
    level: 'info',
    component: 'webhook',
    part: 'admission',
    msg: 'review',
    ...expected,
  });
  expect(JSON.stringify(lines)).not.toMatch(/secret-\d/);
  expect(object).toEqual(before); // the caller's object is not modified
});
