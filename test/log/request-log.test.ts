// One record per request, findable by the X-Request-Id the answer carries: route, machine
// transition, status and duration. A client cannot choose the id; a trusted proxy can.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The request record with this id (every line the app wrote is JSON). */
const recordOf = (stack: Stack, id: string | null) => stack.logs.map((line) => JSON.parse(line)).filter((r) => r.msg === 'request' && r.id === id);

describe('without a trusted proxy', () => {
  let stack: Stack;
  beforeAll(async () => (stack = await startStack()));
  afterAll(() => stack.close());

  it('answers with a request id, and logs that request once under it', async () => {
    const response = await fetch(`${stack.appOrigin}/`);
    expect(response.status).toBe(200);
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(UUID);
    const records = recordOf(stack, id);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      level: 'info',
      method: 'GET',
      route: '/',
      status: 200,
      transition: { event: 'SHOW', from: 'signedOut', to: 'signedOut' },
    });
    expect(records[0].ms).toBeGreaterThanOrEqual(0);
  });

  it('ignores an X-Request-Id sent by a client', async () => {
    const response = await fetch(`${stack.appOrigin}/`, { headers: { 'X-Request-Id': 'chosen-by-the-client' } });
    expect(response.headers.get('x-request-id')).toMatch(UUID);
    expect(recordOf(stack, 'chosen-by-the-client')).toEqual([]);
  });
});

describe('behind a trusted proxy (TRUST_PROXY=true)', () => {
  let stack: Stack;
  beforeAll(async () => (stack = await startStack({ TRUST_PROXY: 'true' })));
  afterAll(() => stack.close());

  it("keeps the proxy's request id, so one id follows the request through both logs", async () => {
    const response = await fetch(`${stack.appOrigin}/signin`, { headers: { 'X-Request-Id': 'lb-7f3a9c01' }, redirect: 'manual' });
    expect(response.headers.get('x-request-id')).toBe('lb-7f3a9c01');
    expect(recordOf(stack, 'lb-7f3a9c01')).toMatchObject([{ route: '/signin', status: 302, transition: { event: 'SIGN_IN' } }]);
  });

  it.each([
    ['too long', 'x'.repeat(200)],
    ['shaped like a log record', '{"level":"error"}'],
    ['with spaces', 'a b'],
  ])('replaces one that is %s', async (_, sent) => {
    const response = await fetch(`${stack.appOrigin}/`, { headers: { 'X-Request-Id': sent } });
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(UUID);
    expect(recordOf(stack, id)).toHaveLength(1);
    expect(stack.logs.join('\n')).not.toContain(sent);
  });
});
