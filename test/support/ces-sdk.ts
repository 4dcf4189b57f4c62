import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js';
import type { HcClient, HttpRequestOptions } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';

/**
 * The three Cloud Eye event calls made as Huawei Cloud's Node.js SDK makes them: a client from the
 * SDK core's ClientBuilder, with BasicCredentials (AK/SK and the project id), whose HcClient signs
 * each request (AKSKSigner) and sends it through the SDK's own HTTP client (axios). The request
 * options have the shape of the official CesClient's (`@huaweicloud/huaweicloud-sdk-ces`, not on
 * npm): the path template with `{project_id}` filled from the credentials, `contentType`
 * application/json, the query as an object, the report as `data`.
 *
 * `after` is axios configuration the SDK applies after signing (its per-request
 * `axiosRequestConfig`): the tests tamper through it, so the signature is the SDK's own and only
 * the tampered part differs.
 */
export interface CesSdk {
  listEvents(query: Record<string, string | number>, after?: AxiosAfter): Promise<SdkAnswer>;
  listEventDetail(name: string, query: Record<string, string | number>, after?: AxiosAfter): Promise<SdkAnswer>;
  createEvents(body: readonly unknown[], after?: AxiosAfter): Promise<SdkAnswer>;
}

/** What axios may change after the SDK signed: the path, the query, or the request as it is serialised. */
export interface AxiosAfter {
  readonly url?: string;
  readonly params?: Record<string, string | number>;
  readonly transformRequest?: (data: unknown, headers: { set(name: string, value: string): void }) => string | undefined;
}

/** The SDK's answer: its parsed body with `httpStatusCode`. */
export type SdkAnswer = Record<string, unknown> & { httpStatusCode: number };

/** A client for `endpoint` (`http://127.0.0.1:port`) signing with `ak`/`sk` for project `projectId`. */
export function cesSdk(endpoint: string, credentials: { ak: string; sk: string; projectId: string }): CesSdk {
  const hc = new ClientBuilder((client: HcClient) => client)
    .withCredential(new BasicCredentials().withAk(credentials.ak).withSk(credentials.sk).withProjectId(credentials.projectId))
    .withEndpoint(endpoint)
    .build();
  const send = (options: HttpRequestOptions, after: AxiosAfter | undefined) =>
    hc.sendRequest<SdkAnswer>({ ...options, ...(after !== undefined && { axiosRequestConfig: { ...after, ...(after.transformRequest !== undefined && { transformRequest: [after.transformRequest] }) } }) });
  const get = (url: string, pathParams: Record<string, string>, query: Record<string, string | number>): HttpRequestOptions => ({
    method: 'GET',
    url,
    contentType: 'application/json',
    queryParams: query,
    pathParams,
    headers: {},
  });
  return {
    listEvents: (query, after) => send(get('/V1.0/{project_id}/events', {}, query), after),
    listEventDetail: (name, query, after) => send(get('/V1.0/{project_id}/event/{event_name}', { event_name: name }, query), after),
    createEvents: (body, after) =>
      send({ method: 'POST', url: '/V1.0/{project_id}/events', contentType: 'application/json', queryParams: {}, pathParams: {}, headers: { 'Content-Type': 'application/json' }, data: body }, after),
  };
}
