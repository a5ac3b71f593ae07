import { QueryTypes, UniqueConstraintError } from 'sequelize';
import type { Models } from '../../db/models/index.js';
import { preparedRead } from '../../db/prepared-read.js';
import type { DbTransaction } from './transaction.js';
import type { UserProfileRecord, UserRecord } from './types.js';

export class EmailTakenError extends Error {
  override name = 'EmailTakenError';
}

export interface NewUser {
  email: string;
  fullName: string;
  passwordHash: string;
  isStaff?: boolean;
  isSuperuser?: boolean;
  isVerified?: boolean;
}

export type UserChanges = Partial<
  Pick<
    UserRecord,
    | 'fullName'
    | 'passwordHash'
    | 'isActive'
    | 'isStaff'
    | 'isSuperuser'
    | 'isVerified'
    | 'lastLogin'
    | 'lastLoginIp'
  >
>;

// Every column, named as UserRecord names them, for the one raw query below.
const USER_COLUMNS = `id, email, full_name AS "fullName", password_hash AS "passwordHash",
  is_active AS "isActive", is_staff AS "isStaff", is_superuser AS "isSuperuser",
  is_verified AS "isVerified", last_login AS "lastLogin", last_login_ip AS "lastLoginIp",
  created_at AS "createdAt", updated_at AS "updatedAt"`;
const USER_BY_ID = {
  name: 'users.findById',
  text: `SELECT ${USER_COLUMNS} FROM users WHERE id = $1`,
};
// The profile read, on every authenticated GET of it: every column parsed costs CPU, and the
// password hash has no business on a read path.
const PROFILE_BY_ID = {
  name: 'users.findProfileById',
  text: `SELECT id, email, full_name AS "fullName", is_verified AS "isVerified",
    is_staff AS "isStaff", created_at AS "createdAt", last_login AS "lastLogin"
    FROM users WHERE id = $1`,
};

export function createUserRepository({ User }: Models) {
  return {
    /**
     * On every authenticated read (profile), so a prepared statement (db/prepared-read.ts):
     * findByPk builds its SQL and maps its rows anew on every call, and even `sequelize.query`
     * costs more CPU than the query itself (see docs/performance.md).
     */
    async findById(id: string, transaction?: DbTransaction): Promise<UserRecord | null> {
      const rows = transaction
        ? await User.sequelize!.query<UserRecord>(USER_BY_ID.text, {
            bind: [id],
            type: QueryTypes.SELECT,
            raw: true,
            transaction,
          })
        : await preparedRead<UserRecord>(User.sequelize!, USER_BY_ID, [id]);
      return rows[0] ?? null;
    },

    /** The columns of the user view alone (prepared, as findById). */
    async findProfileById(id: string): Promise<UserProfileRecord | null> {
      const rows = await preparedRead<UserProfileRecord>(User.sequelize!, PROFILE_BY_ID, [id]);
      return rows[0] ?? null;
    },

    /** Case-insensitive: the column is citext. */
    async findByEmail(email: string, transaction?: DbTransaction): Promise<UserRecord | null> {
      return User.findOne({
        where: { email },
        raw: true,
        transaction,
      }) as Promise<UserRecord | null>;
    },

    async create(user: NewUser, transaction?: DbTransaction): Promise<UserRecord> {
      try {
        const created = await User.create(user, { transaction });
        return created.get({ plain: true }) as UserRecord;
      } catch (error) {
        if (error instanceof UniqueConstraintError) throw new EmailTakenError(user.email);
        throw error;
      }
    },

    /**
     * Stores a new password hash; with `replacing`, only while that is still the stored hash (a
     * password set meanwhile wins). False when nothing was written.
     */
    async setPasswordHash(
      id: string,
      passwordHash: string,
      replacing: string | undefined,
      transaction: DbTransaction,
    ): Promise<boolean> {
      const where = replacing === undefined ? { id } : { id, passwordHash: replacing };
      const [count] = await User.update({ passwordHash }, { where, transaction });
      return count === 1;
    },

    async update(
      id: string,
      changes: UserChanges,
      transaction?: DbTransaction,
    ): Promise<UserRecord | null> {
      const [count, rows] = await User.update(changes, {
        where: { id },
        returning: true,
        transaction,
      });
      return count ? (rows[0]!.get({ plain: true }) as UserRecord) : null;
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
