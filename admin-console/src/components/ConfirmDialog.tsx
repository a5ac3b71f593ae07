/**
 * Every action asks first, saying what will happen. A modal <dialog>: the browser keeps focus
 * inside it, Escape cancels, and focus returns to the button that opened it.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { ErrorNotice } from './Notice';

export interface PendingAction {
  /** The dialog's title, e.g. "Deactivate ada@example.com?" */
  title: string;
  /** What will happen, in full. */
  consequence: string;
  /** The confirming button's name: what it does ("Deactivate account"). */
  confirmLabel: string;
  danger?: boolean;
  /** The action removes the page's subject: the result is shown on the users list instead. */
  leavesPage?: boolean;
  /** Runs the action; resolves to the sentence the page shows. */
  run(): Promise<string>;
}

export function ConfirmDialog({
  action,
  onDone,
  onCancel,
}: {
  action: PendingAction | null;
  onDone(result: string): void;
  onCancel(): void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const bodyId = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (action && !element.open) {
      setError(null);
      element.showModal();
    }
    if (!action && element.open) element.close();
  }, [action]);

  const confirm = async () => {
    if (!action) return;
    setBusy(true);
    setError(null);
    try {
      const result = await action.run();
      onDone(result);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onCancel();
      }}
    >
      {action && (
        <>
          <h2 id={titleId}>{action.title}</h2>
          <p id={bodyId}>{action.consequence}</p>
          <ErrorNotice error={error} />
          <div className="dialog-buttons">
            <button type="button" className="button" onClick={onCancel} disabled={busy}>
              Cancel
            </button>
            <button
              type="button"
              className={action.danger ? 'button button-danger' : 'button button-primary'}
              onClick={() => void confirm()}
              disabled={busy}
            >
              {busy ? 'Working…' : action.confirmLabel}
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
