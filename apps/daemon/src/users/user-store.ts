import { randomBytes } from 'node:crypto';
import type { ConfigStore } from '../config/config-store.js';
import { ApiError } from '../errors.js';
import { createUserToken } from './token-hash.js';
import type { TokenUsage } from './token-usage.js';
import type { TokenVerifier } from './token-verifier.js';
import type {
  CreatedToken,
  UserConfig,
  UserInput,
  UserTokenConfig,
  UserTokenView,
  UserUpdate,
  UserView,
} from './user-schema.js';

/** Options of {@link createUserStore}. */
export interface UserStoreOptions {
  readonly config: ConfigStore;
  readonly verifier: TokenVerifier;
  readonly usage?: Pick<TokenUsage, 'get'> | undefined;
  readonly now?: () => number;
}

/**
 * Users and their tokens, kept in config.json `users[]` (written atomically, mode 0600; token
 * hashes only). Every change that takes access away (revoke, delete, scope change) forgets the
 * verifier's cache, so it applies to the next request.
 */
export interface UserStore {
  list(): UserView[];
  get(id: string): UserView;
  create(input: UserInput): Promise<UserView>;
  update(id: string, change: UserUpdate): Promise<UserView>;
  remove(id: string): Promise<void>;
  /** A new token; the clear text is in the answer and nowhere else. */
  createToken(userId: string, name: string): Promise<CreatedToken>;
  revokeToken(userId: string, tokenId: string): Promise<void>;
}

function newId(): string {
  return randomBytes(6).toString('hex');
}

/** Creates a {@link UserStore}. */
export function createUserStore(options: UserStoreOptions): UserStore {
  const { config, verifier } = options;
  const now = options.now ?? Date.now;
  const users = (): readonly UserConfig[] => config.current.users;

  const viewToken = (t: UserTokenConfig): UserTokenView => {
    const used = options.usage?.get(t.id);
    return {
      id: t.id,
      name: t.name,
      createdAt: t.createdAt,
      lastUsedAt: used?.lastUsedAt ?? null,
      lastUsedFrom: used?.lastUsedFrom ?? null,
    };
  };
  const view = (u: UserConfig): UserView => ({
    id: u.id,
    name: u.name,
    role: u.role,
    lines: u.lines,
    control: u.control,
    email: u.email ?? null,
    createdAt: u.createdAt,
    tokens: u.tokens.map(viewToken),
  });
  const find = (id: string): UserConfig => {
    const user = users().find((u) => u.id === id);
    if (user === undefined)
      throw new ApiError(404, 'not-found', `no user with id "${id}"; GET /api/users lists them`);
    return user;
  };
  const replace = async (
    id: string,
    change: (u: UserConfig) => UserConfig | null,
  ): Promise<UserConfig | null> => {
    const out: { result: UserConfig | null } = { result: null };
    await config.update((cfg) => ({
      ...cfg,
      users: cfg.users.flatMap((u) => {
        if (u.id !== id) return [u];
        out.result = change(u);
        return out.result === null ? [] : [out.result];
      }),
    }));
    // Scope, role or tokens changed: no cached verification may outlive that.
    verifier.forget();
    return out.result;
  };

  return {
    list: () => users().map(view),
    get: (id) => view(find(id)),
    async create(input) {
      const user: UserConfig = {
        id: newId(),
        name: input.name,
        role: input.role,
        lines: input.lines,
        control: input.control,
        ...(input.email === undefined || input.email === null || input.email === ''
          ? {}
          : { email: input.email }),
        createdAt: now(),
        tokens: [],
      };
      await config.update((cfg) => ({ ...cfg, users: [...cfg.users, user] }));
      return view(user);
    },
    async update(id, change) {
      find(id);
      const next = await replace(id, (u) => {
        const { email: _old, ...rest } = u;
        const email = change.email === undefined ? u.email : change.email;
        return {
          ...rest,
          ...(email === undefined || email === null || email === '' ? {} : { email }),
          ...(change.name === undefined ? {} : { name: change.name }),
          ...(change.role === undefined ? {} : { role: change.role }),
          ...(change.lines === undefined ? {} : { lines: change.lines }),
          ...(change.control === undefined ? {} : { control: change.control }),
        };
      });
      if (next === null) throw new ApiError(404, 'not-found', `no user with id "${id}"`);
      return view(next);
    },
    async remove(id) {
      find(id);
      await replace(id, () => null);
    },
    async createToken(userId, name) {
      find(userId);
      const id = newId();
      const { token, hash } = await createUserToken(id);
      const record: UserTokenConfig = { id, name, createdAt: now(), hash };
      await replace(userId, (u) => ({ ...u, tokens: [...u.tokens, record] }));
      return { ...viewToken(record), userId, token };
    },
    async revokeToken(userId, tokenId) {
      const user = find(userId);
      if (!user.tokens.some((t) => t.id === tokenId))
        throw new ApiError(404, 'not-found', `user "${userId}" has no token "${tokenId}"`);
      await replace(userId, (u) => ({ ...u, tokens: u.tokens.filter((t) => t.id !== tokenId) }));
    },
  };
}
