import { describe, expect, it } from 'vitest';
import { finishDocument, operationIdOf } from '../../src/http/openapi-document.js';

const MALFORMED_URL = { description: 'The URL does not parse (a malformed percent-encoding, for one)', content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } } };

describe('finishing the generated document', () => {
  it('declares the 400 of a malformed URL on an operation without a 4xx, and no credentials where none are named', () => {
    const doc = finishDocument({ paths: { '/h': { get: { operationId: 'h', responses: { 200: { description: 'ok' } } } }, '/c': { get: { operationId: 'c', security: [{ cesToken: [] }], responses: { 401: { description: 'x' } } } } } });
    expect(doc).toEqual({
      paths: {
        '/h': { get: { operationId: 'h', responses: { 200: { description: 'ok' }, 400: MALFORMED_URL }, security: [] } },
        '/c': { get: { operationId: 'c', security: [{ cesToken: [] }], responses: { 401: { description: 'x' } } } },
      },
    });
  });

  it('derives an operationId from method and path where a route gave none', () => {
    expect(operationIdOf('get', '/model/etl/log')).toBe('getModelEtlLog');
    expect(operationIdOf('post', '/V1.0/{project_id}/events')).toBe('postV10ProjectIdEvents');
  });

  it('keeps an operationId a route gave', () => {
    const doc = finishDocument({ paths: { '/x': { get: { operationId: 'listThings', responses: {} } } } });
    expect(doc).toEqual({ paths: { '/x': { get: { operationId: 'listThings', responses: { 400: MALFORMED_URL }, security: [] } } } });
  });

  it("gives responses without a description this API's meaning of their status", () => {
    const doc = finishDocument({ paths: { '/x': { get: { responses: { 401: { description: 'Default Response' }, 418: { description: 'Default Response' }, 200: { description: 'The things' } } } } } });
    expect(doc).toEqual({
      paths: { '/x': { get: { operationId: 'getX', responses: { 401: { description: 'No valid token or AK/SK signature' }, 418: { description: "I'm a Teapot" }, 200: { description: 'The things' } }, security: [] } } },
    });
  });

  it('turns a union of string literals into one enum, and leaves other unions alone', () => {
    const literal = (v: string) => ({ type: 'string', enum: [v] });
    const doc = finishDocument({
      a: { description: 'kind', anyOf: [literal('add'), literal('delete')] },
      b: { anyOf: [literal('x'), { type: 'number' }] },
    });
    expect(doc).toEqual({ a: { description: 'kind', type: 'string', enum: ['add', 'delete'] }, b: { anyOf: [literal('x'), { type: 'number' }] } });
  });

  it('says errors of a text route are JSON, since the envelope is', () => {
    const envelope = { schema: { $ref: '#/components/schemas/ErrorEnvelope' } };
    const doc = finishDocument({ paths: { '/m': { get: { operationId: 'm', responses: { 500: { description: 'x', content: { 'text/plain': envelope } } } } } } });
    expect(doc).toEqual({ paths: { '/m': { get: { operationId: 'm', responses: { 500: { description: 'x', content: { 'application/json': envelope } }, 400: MALFORMED_URL }, security: [] } } } });
  });
});
