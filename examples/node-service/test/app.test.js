'use strict';

const { createApp, textStats } = require('../src/app');

describe('textStats', () => {
  test('counts words and ranks the frequent ones', () => {
    const s = textStats('the cat and the hat and the bat', 2);
    expect(s.words).toBe(8);
    expect(s.distinct).toBe(5);
    expect(s.frequent).toEqual([
      { word: 'the', count: 3 },
      { word: 'and', count: 2 },
    ]);
  });

  test('empty text', () => {
    expect(textStats('')).toEqual({ words: 0, distinct: 0, frequent: [], readingSeconds: 0 });
  });
});

describe('HTTP API', () => {
  let server;
  let base;

  beforeAll((done) => {
    server = createApp().listen(0, '127.0.0.1', () => {
      base = `http://127.0.0.1:${server.address().port}`;
      done();
    });
  });
  afterAll((done) => {
    server.close(done);
  });

  test('GET /healthz', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  test('POST /stats', async () => {
    const res = await fetch(`${base}/stats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'a b a', top: 1 }),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).frequent).toEqual([{ word: 'a', count: 2 }]);
  });

  test('POST /stats without text is a 400', async () => {
    const res = await fetch(`${base}/stats`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(400);
  });
});
