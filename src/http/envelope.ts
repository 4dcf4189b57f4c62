import { Type, type ObjectOptions, type Static, type TSchema } from '@sinclair/typebox';

/** A `$ref` to a schema registered with `addSchema`, typed as the schema it points to. */
export function Ref<T extends TSchema>(schema: T) {
  if (schema.$id === undefined) throw new Error('Ref needs a schema with an $id');
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id));
}

/** The success envelope Kubecost and OpenCost answer with: `{"code":200,"data":…}`; `options` carry its examples. */
export const Envelope = <T extends TSchema>(data: T, options: ObjectOptions = {}) =>
  Type.Object({ code: Type.Literal(200), data }, { ...options, additionalProperties: false });

/** The failure envelope: `{"code":<status>,"data":null,"message":"…"}`, with the same HTTP status. */
export const ErrorEnvelopeSchema = Type.Object(
  {
    code: Type.Integer({ minimum: 400, maximum: 599, examples: [400] }),
    data: Type.Null(),
    message: Type.String({ examples: ["invalid parameter 'count': got \"0\"; accepts a positive integer"] }),
  },
  { $id: 'ErrorEnvelope', title: 'Error envelope' },
);

/** The error responses every route can give, for its `response` schema. */
export const errorResponses = {
  400: Ref(ErrorEnvelopeSchema),
  500: Ref(ErrorEnvelopeSchema),
  503: Ref(ErrorEnvelopeSchema),
};

/** A 304 to `If-None-Match`: no body. */
export const NotModified = Type.Null({ description: 'Not modified since the ETag sent in If-None-Match: no body' });

/** Renders the failure envelope. */
export function errorBody(status: number, message: string): { code: number; data: null; message: string } {
  return { code: status, data: null, message };
}
