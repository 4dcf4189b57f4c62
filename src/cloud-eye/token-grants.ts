import { createHash, timingSafeEqual } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/** The IAM actions of the three calls. */
export const CES_ACTIONS = ['ces:events:list', 'ces:events:get', 'ces:events:post'] as const;
/** One action. */
export type CesAction = (typeof CES_ACTIONS)[number];

/** `CES_TOKENS_FILE`: each token, by the SHA-256 of it, with the projects (or `*`) and actions it may use. */
export const TokenFileSchema = Type.Object(
  {
    tokens: Type.Array(
      Type.Object(
        {
          sha256: Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'Hex SHA-256 of the token: printf %s "$TOKEN" | sha256sum' }),
          projects: Type.Array(Type.String({ pattern: '^(\\*|[a-zA-Z0-9-]{1,64})$' }), { minItems: 1, description: 'Cluster ids, or "*" for every project.' }),
          actions: Type.Array(Type.Union(CES_ACTIONS.map((a) => Type.Literal(a))), { minItems: 1 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
/** The token file, as validated. */
export type TokenFile = Static<typeof TokenFileSchema>;

const checkFile = TypeCompiler.Compile(TokenFileSchema);

/** A token file that cannot be used: says where and why. */
export class TokenFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenFileError';
  }
}

interface Grant {
  readonly hash: Buffer;
  readonly allProjects: boolean;
  readonly projects: ReadonlySet<string>;
  readonly actions: ReadonlySet<CesAction>;
}

/** Who presented a token: unknown (or none), or a grant. */
export type Principal = { readonly known: false } | { readonly known: true; readonly grant: Grant; readonly key: string };

/** What a grant allows a request. */
export type Decision = 'granted' | 'unauthenticated' | 'forbidden';

/** The SHA-256 of a token, as the file holds it. */
export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * The grants of one version of the token file. Tokens are never held, only their hashes; a
 * presented token's hash is compared with every grant's in constant time (no early exit), so the
 * time taken says nothing about how close a guess came.
 */
export class TokenGrants {
  private constructor(private readonly grants: readonly Grant[]) {}

  /** Parses the file's text; throws TokenFileError saying what is wrong. */
  static parse(text: string): TokenGrants {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new TokenFileError(`not JSON (${(err as Error).message})`);
    }
    const first = checkFile.Errors(json).First();
    if (first !== undefined) throw new TokenFileError(`${first.path === '' ? 'the file' : first.path} ${first.message.toLowerCase()}; expected {"tokens": [{"sha256": "<64 hex digits>", "projects": ["<cluster id>" or "*"], "actions": ["${CES_ACTIONS.join('", "')}"]}]}`);
    const file = json as TokenFile;
    const seen = new Set<string>();
    const grants = file.tokens.map((t, i): Grant => {
      const hex = t.sha256.toLowerCase();
      if (seen.has(hex)) throw new TokenFileError(`/tokens/${i}/sha256 repeats an earlier token; give each token once`);
      seen.add(hex);
      return { hash: Buffer.from(hex, 'hex'), allProjects: t.projects.includes('*'), projects: new Set(t.projects), actions: new Set(t.actions) };
    });
    return new TokenGrants(grants);
  }

  /** How many tokens the file grants. */
  get size(): number {
    return this.grants.length;
  }

  /** The grant of `token`, compared with every grant in constant time; `key` identifies it (its hash) for rate limits. */
  identify(token: string | undefined): Principal {
    if (token === undefined || token === '') return { known: false };
    const hash = tokenHash(token);
    let found: Grant | undefined;
    for (const g of this.grants) {
      // Every grant is compared, match or not.
      if (timingSafeEqual(hash, g.hash) && found === undefined) found = g;
    }
    return found === undefined ? { known: false } : { known: true, grant: found, key: hash.toString('hex') };
  }

  /** Whether `principal` may do `action` on `project`; without an action (an unknown route), any valid token passes. */
  static decide(principal: Principal, project: string | undefined, action: CesAction | undefined): Decision {
    if (!principal.known) return 'unauthenticated';
    if (action === undefined) return 'granted';
    const { grant } = principal;
    if (!grant.actions.has(action)) return 'forbidden';
    if (project !== undefined && !grant.allProjects && !grant.projects.has(project)) return 'forbidden';
    return 'granted';
  }
}
