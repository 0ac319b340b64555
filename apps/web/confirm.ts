// A confirmation on a modal <dialog> rather than window.confirm: it can say what will be lost,
// name its buttons for what they do, and it starts on the safe choice.
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';

export interface ConfirmProps {
  title: string;
  message: string;
  confirmLabel: string;
  onConfirm(): void;
  onCancel(): void;
}

export function ConfirmDialog({ title, message, confirmLabel, onConfirm, onCancel }: ConfirmProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element !== null && !element.open) element.showModal();
    return () => element?.close();
  }, []);
  return html`
    <dialog ref=${dialog} class="confirm" role="alertdialog" aria-labelledby="confirm-title" aria-describedby="confirm-message" onCancel=${onCancel}>
      <h2 id="confirm-title">${title}</h2>
      <p id="confirm-message">${message}</p>
      <div class="actions">
        <button type="button" class="button" onClick=${onCancel} autofocus>Cancel</button>
        <button type="button" class="button danger" onClick=${onConfirm}>${confirmLabel}</button>
      </div>
    </dialog>
  `;
}
