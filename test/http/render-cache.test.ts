import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RenderedBody } from '../../src/http/render-cache.js';

describe('RenderedBody', () => {
  it('sends text as its UTF-8, and bytes as they are given (no copy, no second encode)', async () => {
    expect(new RenderedBody('{"a":"é"}').identity).toEqual(Buffer.from('{"a":"é"}'));
    const bytes = Buffer.from('{"a":"é"}');
    const body = new RenderedBody(bytes);
    expect(await body.bytes('identity')).toBe(bytes);
    expect(gunzipSync(await body.bytes('gzip'))).toEqual(bytes);
  });
});
