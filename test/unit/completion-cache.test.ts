/** Autocomplete state cache: typing, deleting, edits elsewhere, window and eviction (src/worker/completion/stateCache.ts). */
import * as assert from 'node:assert/strict';
import { type Advancer, type ContextSource, DocumentStateCache } from '../../src/worker/completion/stateCache';

/** A fake model whose "state" is exactly the text it has read (from its start), counting characters run. */
function fakeAdvancer(): Advancer<string> & { ran: number; starts: number } {
  const a = {
    ran: 0,
    starts: 0,
    async start(text: string) {
      a.ran += text.length;
      a.starts++;
      return { state: text, logits: new Float32Array(1) };
    },
    async advance(from: string, text: string) {
      a.ran += text.length;
      return { state: from + text, logits: new Float32Array(1) };
    },
  };
  return a;
}

/** a document: its text and a cursor */
function doc(text: string, cursor = text.length): ContextSource {
  return { cursor, read: (from, to) => text.slice(from, to) };
}

describe('autocomplete state cache', () => {
  it('typing: each keystroke runs only the new character, and the state equals reading the context from scratch', async () => {
    const adv = fakeAdvancer();
    const cache = new DocumentStateCache(adv, { window: 512 });
    let text = 'function hello() {\n  return ';
    let r = await cache.get('a', doc(text));
    assert.ok(r && r.cold);
    assert.equal(r.ran, text.length);
    for (const ch of 'world;') {
      text += ch;
      const before = adv.ran;
      r = await cache.get('a', doc(text));
      assert.ok(r && !r.cold);
      assert.equal(adv.ran - before, 1, 'one character run per keystroke');
      assert.equal(r.state, text, 'the state read exactly the text before the cursor');
    }
    // pasting several characters at once runs just those
    text += ' // done';
    const before = adv.ran;
    r = await cache.get('a', doc(text));
    assert.equal(adv.ran - before, ' // done'.length);
    assert.equal(r!.state, text);
    assert.equal(adv.starts, 1, 'no cold start while typing');
  });

  it('deleting: backspace returns to the earlier checkpoint without running the model', async () => {
    const adv = fakeAdvancer();
    const cache = new DocumentStateCache(adv, { window: 512 });
    let text = 'const x = 1';
    await cache.get('a', doc(text));
    for (const ch of '23') {
      text += ch;
      await cache.get('a', doc(text));
    }
    const before = adv.ran;
    text = text.slice(0, -1); // backspace
    const r = await cache.get('a', doc(text));
    assert.ok(r && !r.cold);
    assert.equal(adv.ran - before, 0, 'a checkpoint sat exactly there');
    assert.equal(r.state, 'const x = 12');
    // going back before a checkpoint and typing something else: advance from the nearest earlier checkpoint
    text = 'const x = 1z';
    const b2 = adv.ran;
    const r2 = await cache.get('a', doc(text));
    assert.equal(r2!.state, text);
    assert.ok(!r2!.cold);
    assert.equal(r2!.reused, 'const x = 1'.length);
    assert.equal(adv.ran - b2, 1);
  });

  it('an edit elsewhere in the context invalidates the state after the edit point (content check and change events)', async () => {
    const adv = fakeAdvancer();
    const cache = new DocumentStateCache(adv, { window: 512 });
    let text = 'alpha beta\n';
    await cache.get('d', doc(text));
    for (const ch of 'gamma') {
      text += ch;
      await cache.get('d', doc(text));
    }
    assert.deepEqual(cache.span('d')!.checkpoints, [11, 12, 13, 14, 15, 16]);
    // the editor reports an edit inside the span ("m" → "M" at offset 13): the span is cut there at once
    cache.applyEdit('d', 13, 1, 1);
    assert.deepEqual(cache.span('d'), { start: 0, text: 'alpha beta\nga', checkpoints: [11, 12, 13] });
    text = 'alpha beta\ngaMma';
    const before = adv.ran;
    const r = await cache.get('d', doc(text));
    assert.equal(r!.state, text, 'state matches the edited document');
    assert.equal(adv.ran - before, 3, 'run from the checkpoint before the edit');
    // without a change event (e.g. a missed one), the content check alone refuses the stale state
    const edited = 'ALPHA beta\ngaMma';
    const r2 = await cache.get('d', doc(edited));
    assert.equal(r2!.state, edited);
    assert.ok(r2!.cold, 'no checkpoint lies before the edit, so this is a fresh read');
    // an edit that leaves no checkpoint drops the document
    cache.applyEdit('d', 2, 1, 0);
    assert.equal(cache.has('d'), false);
  });

  it('an edit above the span shifts it, an edit below the cursor changes nothing', async () => {
    const adv = fakeAdvancer();
    const cache = new DocumentStateCache(adv, { window: 8 });
    const text = '0123456789abcdef';
    await cache.get('d', doc(text)); // window 8: reads "89abcdef" from offset 8
    assert.deepEqual(cache.span('d'), { start: 8, text: '89abcdef', checkpoints: [8] });
    cache.applyEdit('d', 0, 0, 3); // "XYZ" inserted at the top
    assert.equal(cache.span('d')!.start, 11);
    const shifted = 'XYZ' + text;
    const before = adv.ran;
    const r = await cache.get('d', doc(shifted));
    assert.equal(adv.ran - before, 0);
    assert.equal(r!.state, '89abcdef');
    cache.applyEdit('d', shifted.length, 0, 5); // typing after the cursor's span end: not an invalidation
    assert.equal(cache.span('d')!.text, '89abcdef');
  });

  it('a cold start reads the last `window` characters, restarts past maxSpan, never splits a surrogate pair', async () => {
    const adv = fakeAdvancer();
    const cache = new DocumentStateCache(adv, { window: 4, maxSpan: 10 });
    const r = await cache.get('d', doc('abcdefgh'));
    assert.equal(r!.state, 'efgh');
    let t = 'abcdefgh';
    for (const ch of '123456') {
      t += ch;
      await cache.get('d', doc(t));
    }
    assert.equal(cache.span('d')!.start, 4, 'grown to 10 characters, still the same span');
    t += '7';
    const r2 = await cache.get('d', doc(t));
    assert.ok(r2!.cold, 'past maxSpan: restart with a fresh window');
    assert.equal(r2!.state, '4567');
    const emoji = 'ab😀cd'; // 😀 is two UTF-16 units at offsets 2-3
    const r3 = await cache.get('e', doc(emoji, 6)); // window 4 would start at offset 2... fine; use cursor so start hits the low surrogate
    assert.ok(r3);
    const c2 = new DocumentStateCache(fakeAdvancer(), { window: 3 });
    const r4 = await c2.get('e', doc(emoji, 6)); // 6-3 = 3 is the low surrogate → start moves to 4
    assert.equal(r4!.state, 'cd');
    assert.equal(await c2.get('z', doc('', 0)), null, 'nothing before the cursor: nothing to read');
  });

  it('keeps documents apart and evicts the least recently used', async () => {
    const adv = fakeAdvancer();
    const cache = new DocumentStateCache(adv, { window: 64, documents: 2 });
    await cache.get('a', doc('aaa'));
    await cache.get('b', doc('bbb'));
    await cache.get('a', doc('aaaa'));
    await cache.get('c', doc('ccc'));
    assert.equal(cache.has('b'), false);
    assert.equal(cache.has('a'), true);
    assert.equal((await cache.get('a', doc('aaaa')))!.state, 'aaaa');
    cache.invalidate('a');
    assert.ok((await cache.get('a', doc('aaaa')))!.cold);
  });
});
