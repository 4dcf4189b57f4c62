import type { FastifyInstance, FastifyPluginAsync, RouteOptions } from 'fastify';

/** Where Kubecost's own API lives: `http://kubecost/model/etl/log`. */
export const KUBECOST_PREFIX = '/model';

/**
 * The cost-model layout: Kubecost's frontend nginx proxies `location /model/ { proxy_pass http://model/; }`,
 * stripping `/model/`, so the cost-model container answers `/etl/log` at its root. Served from the
 * root with no prefix.
 */
export const COST_MODEL_PREFIX = '';

/** The tag of the cost-model alias operations in the OpenAPI document. */
export const COST_MODEL_ALIAS_TAG = 'kubecost-cost-model';

/** The OpenAPI extension a cost-model alias operation carries: the path it is an alias of. */
export const ALIAS_OF = 'x-cost-model-alias-of';

interface DocumentedSchema {
  readonly summary?: string;
  readonly operationId?: string;
  readonly [key: string]: unknown;
}

/**
 * Registers the Kubecost-compatible route groups twice, from one definition each: at
 * `/model/<path>` (Kubecost's API) and at `/<path>` (the cost-model container behind Kubecost's
 * nginx). Each group registers its routes with paths relative to `/model` (`/etl/log`). Every
 * route any group adds answers at both; the second is tagged as the alias in the OpenAPI document.
 * Nothing is registered at `/` itself or under any prefix but the groups' own paths, so the
 * alias cannot swallow other routes (`/`, `/ui/`, `/V1.0/…`).
 */
export function registerKubecostRoutes(app: FastifyInstance, groups: readonly FastifyPluginAsync[]): void {
  void app.register(kubecostGroup(groups, false), { prefix: KUBECOST_PREFIX });
  void app.register(kubecostGroup(groups, true), { prefix: COST_MODEL_PREFIX });
}

function kubecostGroup(groups: readonly FastifyPluginAsync[], alias: boolean): FastifyPluginAsync {
  return async (app) => {
    if (alias) app.addHook('onRoute', markAlias);
    for (const group of groups) await app.register(group);
  };
}

/** Marks a route of the cost-model layout in its schema, which the OpenAPI document is made of. */
function markAlias(route: RouteOptions): void {
  const schema = (route.schema ?? {}) as DocumentedSchema;
  const path = route.url;
  const marked: DocumentedSchema = {
    ...schema,
    tags: [COST_MODEL_ALIAS_TAG],
    ...(schema.summary !== undefined && { summary: `${schema.summary} — cost-model alias of ${KUBECOST_PREFIX}${path}` }),
    description: `The cost-model layout of \`${KUBECOST_PREFIX}${path}\` (Kubecost's frontend nginx strips \`${KUBECOST_PREFIX}/\`): the same route, parameters and answers.${
      typeof schema['description'] === 'string' ? ` ${schema['description']}` : ''
    }`,
    ...(schema.operationId !== undefined && { operationId: `${schema.operationId}CostModel` }),
    [ALIAS_OF]: `${KUBECOST_PREFIX}${path}`,
  };
  route.schema = marked;
}
