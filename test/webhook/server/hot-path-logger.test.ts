/** The review log line's logger: the same lines and the same redaction as createLogger's own children. */
import { createLogger, hotPathChild } from '../../../emulator/src/common/logger';

function linesOf(log: (logger: ReturnType<typeof createLogger>) => void) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('webhook', {
    level: 'info',
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  log(logger);
  for (const line of lines) delete line.time;
  return lines;
}

const OBJECTS: Record<string, unknown>[] = [
  { uid: 'u-1', namespace: 'default', generateName: 'app-', outcome: 'mutated', reason: 'injected' },
  {
    token: 'secret-1',
    SessionToken: 'secret-2',
    credentials: { a: 'secret-3' },
    privateKey: 'secret-4',
    keep: 1,
  },
  { headers: { authorization: 'Bearer secret-5', 'x-aws-ec2-metadata-token': 'secret-6', host: 'h' } },
  { sts: { token: 'secret-7', Token: 'secret-8', SecretAccessKey: 'secret-9', region: 'us-east-1' }, n: 2 },
  { list: ['a', 'b'], nested: { deeper: { token: 'kept: two levels down is not a redacted path' } } },
];

test.each(OBJECTS)('hotPathChild writes what a plain child writes: %j', (object) => {
  const before = structuredClone(object);
  const hot = linesOf((logger) => hotPathChild(logger, { part: 'admission' }).info(object, 'review'));
  const plain = linesOf((logger) => logger.child({ part: 'admission' }).info(object, 'review'));
  expect(hot).toEqual(plain);
  expect(JSON.stringify(hot)).not.toMatch(/secret-\d/);
  expect(object).toEqual(before); // the caller's object is not modified
});
