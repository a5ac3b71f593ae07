import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';

export type EmailOutboxStatus = 'pending' | 'sending' | 'sent' | 'failed';

/** One message waiting for, or done with, delivery. The worker's claim queries are raw SQL. */
export class EmailOutboxRow extends Model<
  InferAttributes<EmailOutboxRow>,
  InferCreationAttributes<EmailOutboxRow>
> {
  declare id: CreationOptional<string>;
  declare kind: string;
  declare recipient: string;
  declare payload: Record<string, unknown>;
  declare status: CreationOptional<EmailOutboxStatus>;
  declare attempts: CreationOptional<number>;
  declare availableAt: Date;
  declare lockedUntil: CreationOptional<Date | null>;
  declare lockedBy: CreationOptional<string | null>;
  declare lastError: CreationOptional<string | null>;
  declare providerMessageId: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
  declare sentAt: CreationOptional<Date | null>;
  declare failedAt: CreationOptional<Date | null>;
}

export function initEmailOutbox(sequelize: Sequelize): typeof EmailOutboxRow {
  // A class of its own per connection, initialised here; EmailOutboxRow itself never is.
  class EmailOutbox extends EmailOutboxRow {}

  EmailOutbox.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
      kind: { type: DataTypes.STRING(64), allowNull: false },
      recipient: { type: DataTypes.TEXT, allowNull: false },
      payload: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
      status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'pending' },
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      availableAt: { type: DataTypes.DATE, allowNull: false },
      lockedUntil: { type: DataTypes.DATE, allowNull: true },
      lockedBy: { type: DataTypes.STRING(128), allowNull: true },
      lastError: { type: DataTypes.TEXT, allowNull: true },
      providerMessageId: { type: DataTypes.STRING(255), allowNull: true },
      createdAt: DataTypes.DATE,
      updatedAt: DataTypes.DATE,
      sentAt: { type: DataTypes.DATE, allowNull: true },
      failedAt: { type: DataTypes.DATE, allowNull: true },
    },
    { sequelize, tableName: 'email_outbox', modelName: 'EmailOutbox' },
  );
  return EmailOutbox;
}

/** A model class of its own per connection: no process-wide state shared between databases. */
export type EmailOutboxModel = typeof EmailOutboxRow;
