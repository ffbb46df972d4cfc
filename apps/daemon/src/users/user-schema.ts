import * as v from 'valibot';

/** The roles a user can have: `viewer` watches, `agent` also dials and controls, `admin` does everything. */
export const USER_ROLES = ['viewer', 'agent', 'admin'] as const;

/** A user's role (see {@link USER_ROLES}). */
export const userRoleSchema = v.picklist(USER_ROLES, 'role must be viewer, agent or admin');
/** A user's role. */
export type UserRole = v.InferOutput<typeof userRoleSchema>;

/** A line in a user's scope: a phone id, or `*` for every line (also lines added later). */
export const lineRefSchema = v.pipe(
  v.string(),
  v.regex(/^(\*|[A-Za-z0-9][A-Za-z0-9_-]{0,63})$/, 'a line is a phone id or "*" (every line)'),
);

const lineListSchema = v.pipe(
  v.array(lineRefSchema),
  v.maxLength(1000, 'at most 1000 lines'),
  v.transform((lines) => [...new Set(lines)]),
);

/** A user's or token's display name. */
export const userNameSchema = v.pipe(
  v.string('name must be a string'),
  v.trim(),
  v.minLength(1, 'name must not be empty'),
  v.maxLength(100, 'name must be at most 100 characters'),
  v.check((name) => !/\p{Cc}/u.test(name), 'name must not contain control characters'),
);

/** A user's e-mail address (missed-call mail for the user's lines). */
export const userEmailSchema = v.pipe(
  v.string('email must be a string'),
  v.trim(),
  v.maxLength(254, 'email must be at most 254 characters'),
  v.email('email must be an e-mail address'),
);

/** Random ids of users and tokens: lower-case hex, so they never contain the token's `_`. */
export const recordIdSchema = v.pipe(v.string(), v.regex(/^[0-9a-f]{8,32}$/, 'id must be hex'));

/**
 * How a token's secret is stored: scrypt (RFC 7914) with its parameters, a random salt and the
 * derived key, both base64. The token itself is never stored.
 */
export const tokenHashSchema = v.object({
  alg: v.literal('scrypt'),
  N: v.pipe(v.number(), v.integer(), v.minValue(1024)),
  r: v.pipe(v.number(), v.integer(), v.minValue(1)),
  p: v.pipe(v.number(), v.integer(), v.minValue(1)),
  salt: v.pipe(v.string(), v.base64()),
  hash: v.pipe(v.string(), v.base64()),
});
/** A stored token hash. */
export type TokenHash = v.InferOutput<typeof tokenHashSchema>;

/** One API token of a user as stored in config.json (hash only). */
export const userTokenConfigSchema = v.object({
  id: recordIdSchema,
  name: userNameSchema,
  createdAt: v.pipe(v.number(), v.integer()),
  hash: tokenHashSchema,
});
/** One stored API token. */
export type UserTokenConfig = v.InferOutput<typeof userTokenConfigSchema>;

/** A user as stored in config.json `users[]`. */
export const userConfigSchema = v.object({
  id: recordIdSchema,
  name: userNameSchema,
  role: userRoleSchema,
  /** Lines the user may see (calls, journal, events). */
  lines: v.optional(lineListSchema, []),
  /** Lines the user may dial from and control calls on (agents and admins; implies seeing them). */
  control: v.optional(lineListSchema, []),
  /** Where missed calls on the user's lines are mailed (when `notify.email` is set up). */
  email: v.optional(userEmailSchema),
  createdAt: v.pipe(v.number(), v.integer()),
  tokens: v.optional(v.array(userTokenConfigSchema), []),
});
/** A stored user. */
export type UserConfig = v.InferOutput<typeof userConfigSchema>;

/** `users[]` of config.json: ids of users and of tokens are unique. */
export const userListSchema = v.pipe(
  v.array(userConfigSchema),
  v.check(
    (users) => new Set(users.map((u) => u.id)).size === users.length,
    'user ids must be unique',
  ),
  v.check((users) => {
    const ids = users.flatMap((u) => u.tokens.map((t) => t.id));
    return new Set(ids).size === ids.length;
  }, 'token ids must be unique'),
);

/** Body of `POST /api/users`. */
export const userInputSchema = v.object({
  name: userNameSchema,
  role: userRoleSchema,
  lines: v.optional(lineListSchema, []),
  control: v.optional(lineListSchema, []),
  /** Missed-call mail for the user's lines; `""` (or null) = none. */
  email: v.optional(v.union([v.literal(''), v.null(), userEmailSchema])),
});
/** Body of `POST /api/users`. */
export type UserInput = v.InferOutput<typeof userInputSchema>;

/** Body of `PUT /api/users/{id}`: the fields to change. */
export const userUpdateSchema = v.partial(userInputSchema);
/** Body of `PUT /api/users/{id}`. */
export type UserUpdate = v.InferOutput<typeof userUpdateSchema>;

/** Body of `POST /api/users/{id}/tokens`. */
export const tokenInputSchema = v.object({
  name: v.optional(userNameSchema, 'token'),
});

/** A token as the API shows it: never the secret or its hash. */
export interface UserTokenView {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  /** Last successful use (written at most every few seconds), or null. */
  readonly lastUsedAt: number | null;
  /** Address of that use, or null. */
  readonly lastUsedFrom: string | null;
}

/** A user as the API shows it. */
export interface UserView {
  readonly id: string;
  readonly name: string;
  readonly role: UserRole;
  readonly lines: readonly string[];
  readonly control: readonly string[];
  /** Missed calls on the user's lines are mailed here; null = none. */
  readonly email: string | null;
  readonly createdAt: number;
  readonly tokens: readonly UserTokenView[];
}

/** Answer of `POST /api/users/{id}/tokens`: the only time the token is shown. */
export interface CreatedToken extends UserTokenView {
  readonly userId: string;
  /** `slu_<id>_<secret>`: send as `Authorization: Bearer …`. Not retrievable later. */
  readonly token: string;
}

/** Answer of `GET /api/me`: who the request's token belongs to and what it may do. */
export interface MeView {
  readonly kind: 'admin-token' | 'user';
  readonly name: string;
  readonly role: UserRole;
  readonly userId: string | null;
  readonly tokenId: string | null;
  /** Line ids the token may see; null = every line. */
  readonly lines: readonly string[] | null;
  /** Line ids the token may dial from and control; null = every line. */
  readonly control: readonly string[] | null;
}
