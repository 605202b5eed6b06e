import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from './api';

/** "3 min ago", with the absolute time on hover (and for screen readers via datetime). */
export function RelTime({ at }: { at?: string | number }) {
  if (at === undefined || at === null || at === '') return <span>—</span>;
  const date = new Date(at);
  return (
    <time dateTime={date.toISOString()} title={date.toLocaleString()}>
      {relative(date.getTime())}
    </time>
  );
}

export function relative(ms: number, now = Date.now()): string {
  const diff = Math.round((ms - now) / 1000);
  const abs = Math.abs(diff);
  const [value, unit] =
    abs < 60 ? [abs, 's'] : abs < 3600 ? [Math.round(abs / 60), 'min'] : abs < 86400 ? [Math.round(abs / 3600), 'h'] : [Math.round(abs / 86400), 'd'];
  if (abs < 5) return 'just now';
  return diff < 0 ? `${value} ${unit} ago` : `in ${value} ${unit}`;
}

export function ErrorBox({ error }: { error?: unknown }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {errorText(error)}
    </p>
  );
}

export function Notice({ text }: { text?: string }) {
  if (!text) return null;
  return (
    <p class="notice" role="status">
      {text}
    </p>
  );
}

export function Status({ value }: { value: string }) {
  return <span class={`status status-${value.replace(/[^a-z_]/gi, '')}`}>{value}</span>;
}

/** Polls `load` every `everyMs` (no page reload); answers the last data and error. */
export function usePoll<T>(load: () => Promise<T>, everyMs: number, deps: unknown[] = []) {
  const [data, setData] = useState<T | undefined>();
  const [error, setError] = useState<unknown>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const value = await load();
        if (alive) {
          setData(value);
          setError(undefined);
        }
      } catch (err) {
        if (alive) setError(err);
      }
      if (alive && everyMs > 0) timer = setTimeout(run, everyMs);
    };
    void run();
    return () => {
      alive = false;
      if (timer) clearTimeout(timer);
    };
  }, [...deps, tick]);
  return { data, error, reload: () => setTick((n) => n + 1) };
}

export interface ConfirmRequest {
  title: string;
  /** What the action does in Webex, in the operator's words. */
  body: ComponentChildren;
  confirmLabel: string;
  run: () => Promise<unknown>;
}

/** A modal confirmation (native <dialog>: focus trapped, Escape closes). */
export function ConfirmDialog({ request, onDone }: { request?: ConfirmRequest; onDone: (result?: { error?: unknown; ok?: boolean }) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (request && !dialog.open) dialog.showModal();
    if (!request && dialog.open) dialog.close();
  }, [request]);
  const confirm = async () => {
    if (!request) return;
    setBusy(true);
    try {
      await request.run();
      onDone({ ok: true });
    } catch (error) {
      onDone({ error });
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog ref={ref} class="confirm" aria-labelledby="confirm-title" onClose={() => request && !busy && onDone()}>
      {request && (
        <div>
          <h2 id="confirm-title">{request.title}</h2>
          <div class="confirm-body">{request.body}</div>
          <div class="actions">
            <button type="button" class="secondary" onClick={() => onDone()} disabled={busy}>
              Cancel
            </button>
            <button type="button" class="danger" onClick={confirm} disabled={busy}>
              {request.confirmLabel}
            </button>
          </div>
        </div>
      )}
    </dialog>
  );
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      class="secondary"
      onClick={async () => {
        await navigator.clipboard?.writeText(text).catch(() => undefined);
        setDone(true);
        setTimeout(() => setDone(false), 1500);
      }}
    >
      {done ? 'Copied' : label}
    </button>
  );
}

/** Saves text as a file (an object URL: no data: URL, nothing sent anywhere). */
export function download(name: string, text: string, type = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function Field({ label, children, hint }: { label: string; children: ComponentChildren; hint?: string }) {
  return (
    <label class="field">
      <span>{label}</span>
      {children}
      {hint && <small>{hint}</small>}
    </label>
  );
}

/** Reads a chosen file into a text field (nothing leaves the page until the form is sent). */
export function FileToText({ label, onText }: { label: string; onText: (text: string) => void }) {
  return (
    <Field label={label}>
      <input type="file" accept=".pem,.crt,.cer,.txt" onChange={async (e) => onText(await (e.currentTarget.files?.[0]?.text() ?? Promise.resolve('')))} />
    </Field>
  );
}
