import type { Sequelize, Transaction } from 'sequelize';

/** Opaque to services: they pass it along, they never look inside. */
export type DbTransaction = Transaction;

export type TransactionRunner = <T>(work: (transaction: DbTransaction) => Promise<T>) => Promise<T>;

export const transactionRunner =
  (sequelize: Sequelize): TransactionRunner =>
  (work) =>
    sequelize.transaction((transaction) => work(transaction));
