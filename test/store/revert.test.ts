/**
 * Issue 13, finding 10: a re-submission that restores earlier values is a new revision. Submitting A (10), then
 * B (20), then A again must make 10 current (a new revision; the API answers 201) while `asof` still shows 20
 * between B and the second A; only content whose values are all current already is a duplicate (200).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../api/helpers.js';

let s: TestServer;
let token = '';
beforeAll(async () => {
  s = await startServer((store) => {
    token = store.createToken('KEN', 'revert').token;
  });
});
afterAll(() => s.close());

const A = 'economy,indicator,year,value\nKEN,i99H,2019,10\n';
const B = 'economy,indicator,year,value\nKEN,i99H,2019,20\n';
const post = (body: string) =>
  fetch(`${s.base}/v2/submissions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, body });
const value = async (asof?: string): Promise<number> => {
  const r = await fetch(`${s.base}/v2/country/KEN/indicator/i99H?date=2019&format=json${asof ? `&asof=${encodeURIComponent(asof)}` : ''}`);
  const body = (await r.json()) as [unknown, Array<{ value: number }>];
  return body[1][0].value;
};
const pause = () => new Promise((r) => setTimeout(r, 5)); // receipt times strictly apart, for asof

describe('a revert is a new revision (issue 13)', () => {
  it('A (10), B (20), A again: 201, 10 is current, asof between B and the second A gives 20; A once more is a duplicate', async () => {
    expect((await post(A)).status).toBe(201);
    await pause();
    const b = await post(B);
    expect(b.status).toBe(201);
    const bAt = ((await b.json()) as { submission: { receivedAt: string } }).submission.receivedAt;
    await pause();
    expect(await value()).toBe(20);
    const again = await post(A);
    expect(again.status, await again.clone().text()).toBe(201);
    expect(((await again.json()) as { status: string }).status).toBe('accepted');
    expect(await value()).toBe(10);
    expect(await value(bAt)).toBe(20);
    const dup = await post(A);
    expect(dup.status).toBe(200);
    expect(((await dup.json()) as { status: string }).status).toBe('duplicate');
    expect(await value()).toBe(10);
  });
});
