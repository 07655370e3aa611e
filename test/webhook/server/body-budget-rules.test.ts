/** The body budget's accounting, on small numbers (pure; the server-level behaviour is in body-budget.test.ts). */
import { BodyBudget } from '../../../emulator/src/webhook/server/body-budget';

// 100 bytes in all, bodies up to 10 bytes are small, 20 bytes kept for them.
const budget = () => new BodyBudget(100, 10, 20);

it('gives large bodies all but the reserve, and small bodies the rest', () => {
  const b = budget();
  const large = [b.reservation(), b.reservation()];
  expect(large[0].take(50)).toBe(true);
  expect(large[1].take(31)).toBe(false);
  expect(large[1].take(30)).toBe(true);
  expect(b.inUse).toBe(80);
  const small = Array.from({ length: 3 }, () => b.reservation());
  expect(small.map((r) => r.take(10))).toEqual([true, true, false]);
  expect(b.inUse).toBe(100);
});

it('grows a reservation as a chunked body arrives, counting only the growth, and refunds it once', () => {
  const b = budget();
  const r = b.reservation();
  expect(r.take(5)).toBe(true);
  expect(r.take(8)).toBe(true);
  expect(r.take(8)).toBe(true);
  expect(b.inUse).toBe(8);
  // Growing past "small" makes it a large body: the reserve no longer counts for it.
  expect(r.take(81)).toBe(false);
  expect(r.take(80)).toBe(true);
  expect(b.inUse).toBe(80);
  r.release();
  r.release();
  expect(b.inUse).toBe(0);
  // A released reservation (the request is over) takes nothing more.
  expect(r.take(1)).toBe(false);
  expect(b.inUse).toBe(0);
});
