import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';

export class UserRow extends Model<InferAttributes<UserRow>, InferCreationAttributes<UserRow>> {
  declare id: CreationOptional<string>;
  /** citext: unique and compared without regard to letter case. Stored lower-cased. */
  declare email: string;
  declare fullName: string;
  declare passwordHash: string;
  declare isActive: CreationOptional<boolean>;
  declare isStaff: CreationOptional<boolean>;
  declare isSuperuser: CreationOptional<boolean>;
  declare isVerified: CreationOptional<boolean>;
  declare lastLogin: CreationOptional<Date | null>;
  declare lastLoginIp: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export function initUser(sequelize: Sequelize): typeof UserRow {
  // A class of its own per connection, initialised here; UserRow itself never is.
  class User extends UserRow {}

  User.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
      email: { type: DataTypes.CITEXT, allowNull: false, unique: true },
      fullName: { type: DataTypes.STRING(255), allowNull: false },
      passwordHash: { type: DataTypes.TEXT, allowNull: false },
      isActive: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      isStaff: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      isSuperuser: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      isVerified: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      lastLogin: { type: DataTypes.DATE, allowNull: true },
      lastLoginIp: { type: DataTypes.INET, allowNull: true },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
    },
    { sequelize, tableName: 'users', modelName: 'User' },
  );
  return User;
}

/** A model class of its own per connection: no process-wide state shared between databases. */
export type UserModel = typeof UserRow;
