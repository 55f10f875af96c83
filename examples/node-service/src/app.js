'use strict';

const express = require('express');

// Word statistics for a text: counts, the most frequent words, reading time.
function textStats(text, top = 5) {
  const words = (text.toLowerCase().match(/[\p{L}\p{N}']+/gu) || []);
  const counts = new Map();
  for (const w of words) counts.set(w, (counts.get(w) || 0) + 1);
  const frequent = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, top)
    .map(([word, count]) => ({ word, count }));
  return {
    words: words.length,
    distinct: counts.size,
    frequent,
    readingSeconds: Math.ceil((words.length / 230) * 60),
  };
}

function createApp() {
  const app = express();
  app.use(express.json({ limit: '1mb' }));

  app.get('/healthz', (_req, res) => res.json({ status: 'ok' }));

  app.post('/stats', (req, res) => {
    const { text, top } = req.body || {};
    if (typeof text !== 'string') {
      return res.status(400).json({ error: 'expected {"text": "..."}' });
    }
    const n = Number.isInteger(top) && top > 0 && top <= 100 ? top : 5;
    return res.json(textStats(text, n));
  });

  return app;
}

module.exports = { createApp, textStats };
