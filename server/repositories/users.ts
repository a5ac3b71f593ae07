import { UniqueConstraintError } from 'sequelize';
import type { Models } from '../../db/models/index.js';
import type { DbTransaction } from './transaction.js';
import type { UserRecord } from './types.js';

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

export function createUserRepository({ User }: Models) {
  return {
    async findById(id: string, transaction?: DbTransaction): Promise<UserRecord | null> {
      return User.findByPk(id, { raw: true, transaction }) as Promise<UserRecord | null>;
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
