import { createHash, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/** A secret key file's name: one plain name in the grants file's directory (no path, not hidden). */
const SK_FILE_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$';

/** Longest secret key read (Huawei Cloud's are 40 characters). */
const MAX_SECRET_KEY = 1024;

/** The IAM actions of the three calls. */
export const CES_ACTIONS = ['ces:events:list', 'ces:events:get', 'ces:events:post'] as const;
/** One action. */
export type CesAction = (typeof CES_ACTIONS)[number];

const ProjectsSchema = Type.Array(Type.String({ pattern: '^(\\*|[a-zA-Z0-9-]{1,64})$' }), { minItems: 1, description: 'Cluster ids, or "*" for every project.' });
const ActionsSchema = Type.Array(Type.Union(CES_ACTIONS.map((a) => Type.Literal(a))), { minItems: 1 });

/**
 * `CES_TOKENS_FILE`: each token, by the SHA-256 of it, and each AK/SK access key (the secret key
 * in a file of its own beside this one), with the projects (or `*`) and actions it may use.
 */
export const TokenFileSchema = Type.Object(
  {
    tokens: Type.Optional(
      Type.Array(
        Type.Object(
          {
            sha256: Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'Hex SHA-256 of the token: printf %s "$TOKEN" | sha256sum' }),
            projects: ProjectsSchema,
            actions: ActionsSchema,
          },
          { additionalProperties: false },
        ),
      ),
    ),
    accessKeys: Type.Optional(
      Type.Array(
        Type.Object(
          {
            ak: Type.String({ pattern: '^[A-Za-z0-9]{1,128}$', description: 'The access key id (AK) the SDK is given' }),
            skFile: Type.String({ pattern: SK_FILE_PATTERN, description: 'Name of the file beside this one holding the secret key (SK), e.g. a key of the same Secret' }),
            projects: ProjectsSchema,
            actions: ActionsSchema,
          },
          { additionalProperties: false },
        ),
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

/** What a token or an access key may do. */
export interface Grant {
  readonly allProjects: boolean;
  readonly projects: ReadonlySet<string>;
  readonly actions: ReadonlySet<CesAction>;
}

interface TokenGrant extends Grant {
  readonly hash: Buffer;
}

/** An AK/SK credential: its secret key is a KeyObject, which neither logs nor serialises its bytes. */
export interface AccessKey {
  readonly ak: string;
  readonly secretKey: KeyObject;
  readonly grant: Grant;
}

/** Who presented a credential: unknown (or none), or a grant; `key` identifies it for rate limits (`token:<hash>`, `ak:<AK>`). */
export type Principal = { readonly known: false } | { readonly known: true; readonly grant: Grant; readonly key: string };

/** Reads a file beside the grants file by name; throws the read's error. */
export type ReadSecretFile = (name: string) => string;

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
  private constructor(
    private readonly grants: readonly TokenGrant[],
    private readonly accessKeys: ReadonlyMap<string, AccessKey>,
  ) {}

  /**
   * Parses the file's text; throws TokenFileError saying what is wrong. `readSecret` reads the
   * secret key files named by `accessKeys` (beside the grants file); without it, access keys are refused.
   */
  static parse(text: string, readSecret?: ReadSecretFile): TokenGrants {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new TokenFileError(`not JSON (${(err as Error).message})`);
    }
    const first = checkFile.Errors(json).First();
    if (first !== undefined) {
      throw new TokenFileError(
        `${first.path === '' ? 'the file' : first.path} ${first.message.toLowerCase()}; expected {"tokens": [{"sha256": "<64 hex digits>", "projects": ["<cluster id>" or "*"], "actions": ["${CES_ACTIONS.join('", "')}"]}], ` +
          `"accessKeys": [{"ak": "<access key id>", "skFile": "<file beside this one holding the secret key>", "projects": [...], "actions": [...]}]}`,
      );
    }
    const file = json as TokenFile;
    // An empty object is more likely a mistake than a wish to refuse everyone.
    if (file.tokens === undefined && file.accessKeys === undefined) throw new TokenFileError('/tokens expected required property: give "tokens", "accessKeys" or both');
    const seen = new Set<string>();
    const grants = (file.tokens ?? []).map((t, i): TokenGrant => {
      const hex = t.sha256.toLowerCase();
      if (seen.has(hex)) throw new TokenFileError(`/tokens/${i}/sha256 repeats an earlier token; give each token once`);
      seen.add(hex);
      return { hash: Buffer.from(hex, 'hex'), ...grantOf(t) };
    });
    const accessKeys = new Map<string, AccessKey>();
    (file.accessKeys ?? []).forEach((k, i) => {
      if (accessKeys.has(k.ak)) throw new TokenFileError(`/accessKeys/${i}/ak repeats the access key ${k.ak}; give each access key once`);
      if (readSecret === undefined) throw new TokenFileError(`/accessKeys/${i}: secret key files are read beside the grants file, which this one is not`);
      accessKeys.set(k.ak, { ak: k.ak, secretKey: createSecretKey(Buffer.from(readSecretKey(readSecret, k.skFile, i), 'utf8')), grant: grantOf(k) });
    });
    return new TokenGrants(grants, accessKeys);
  }

  /** How many tokens the file grants. */
  get size(): number {
    return this.grants.length;
  }

  /** How many access keys the file grants. */
  get accessKeyCount(): number {
    return this.accessKeys.size;
  }

  /** The access key `ak`, if the file grants it. Access key ids are not secret: a plain lookup. */
  accessKey(ak: string): AccessKey | undefined {
    return this.accessKeys.get(ak);
  }

  /** The grant of `token`, compared with every grant in constant time; `key` identifies it (its hash) for rate limits. */
  identify(token: string | undefined): Principal {
    if (token === undefined || token === '') return { known: false };
    const hash = tokenHash(token);
    let found: TokenGrant | undefined;
    for (const g of this.grants) {
      // Every grant is compared, match or not.
      if (timingSafeEqual(hash, g.hash) && found === undefined) found = g;
    }
    return found === undefined ? { known: false } : { known: true, grant: found, key: `token:${hash.toString('hex')}` };
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

function grantOf(g: { readonly projects: readonly string[]; readonly actions: readonly CesAction[] }): Grant {
  return { allProjects: g.projects.includes('*'), projects: new Set(g.projects), actions: new Set(g.actions) };
}

/** A secret key file's content, without the line end editors and `kubectl create secret --from-file` leave. */
function readSecretKey(readSecret: ReadSecretFile, name: string, i: number): string {
  let text: string;
  try {
    text = readSecret(name);
  } catch (err) {
    throw new TokenFileError(`/accessKeys/${i}/skFile ${name} cannot be read beside the grants file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const key = text.trim();
  if (key === '' || key.length > MAX_SECRET_KEY) throw new TokenFileError(`/accessKeys/${i}/skFile ${name} must hold the secret key: 1 to ${MAX_SECRET_KEY} characters (it holds ${key.length})`);
  return key;
}
