import { useState } from 'preact/hooks';
import { api, enc } from '../api';
import { ConfirmDialog, CopyButton, ErrorBox, Field, Notice, usePoll, type ConfirmRequest } from '../ui';
import { ClustersSection } from './clusters';

interface TemplateView {
  name: string;
  enabled: boolean;
  targetApi: string;
  provisioningId: string;
  package: string;
  cluster?: string;
  account: { username: string; passwordSet: boolean };
  provisioningUrl: string;
  warnings?: string[];
}

export function TemplatesPage() {
  const templates = usePoll(() => api.get<{ templates: TemplateView[] }>('/templates'), 0);
  const [confirm, setConfirm] = useState<ConfirmRequest>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  return (
    <section>
      <h1>Templates &amp; clusters</h1>
      <ErrorBox error={templates.error ?? error} />
      <Notice text={notice} />
      <h2>Templates</h2>
      {templates.data?.templates.map((t) => (
        <TemplateCard
          key={t.name}
          template={t}
          onChanged={(text) => (setNotice(text), templates.reload())}
          onDelete={() =>
            setConfirm({
              title: `Delete template ${t.name}`,
              body: <p>The AS can no longer provision through {t.provisioningUrl}. Refused while users of the template are pending or active.</p>,
              confirmLabel: 'Delete',
              run: () => api.del(`/templates/${enc(t.name)}`),
            })
          }
        />
      ))}
      <TemplateCreate onCreated={(text) => (setNotice(text), templates.reload())} />
      <ClustersSection />
      <ConfirmDialog
        request={confirm}
        onDone={(r) => {
          setConfirm(undefined);
          setError(r?.error);
          templates.reload();
        }}
      />
    </section>
  );
}

function TemplateCard({ template: t, onChanged, onDelete }: { template: TemplateView; onChanged: (text: string) => void; onDelete: () => void }) {
  const [lines, setLines] = useState<string[]>();
  const [password, setPassword] = useState('');
  const [pkg, setPkg] = useState(t.package);
  const [cluster, setCluster] = useState(t.cluster ?? '');
  const [error, setError] = useState<unknown>();
  return (
    <article class="card wide" data-template={t.name}>
      <h3>
        {t.name} {!t.enabled && <span class="badge">disabled</span>}
      </h3>
      <dl class="facts">
        <dt>Provisioning URL</dt>
        <dd>
          <code>{t.provisioningUrl}</code> <CopyButton text={t.provisioningUrl} label="Copy URL" />
        </dd>
        <dt>User name</dt>
        <dd>
          <code>{t.account.username}</code>
        </dd>
        <dt>Target</dt>
        <dd>
          {t.targetApi}, provisioning ID {t.provisioningId}
        </dd>
      </dl>
      {t.warnings?.map((w) => (
        <p class="warn" key={w}>
          {w}
        </p>
      ))}
      <button type="button" class="secondary" onClick={async () => setLines((await api.get<{ lines: string[] }>(`/templates/${enc(t.name)}/as-cli`)).lines)}>
        Show AS_CLI lines
      </button>
      {lines && (
        <div>
          <CopyButton text={lines.join('\n')} label="Copy AS_CLI lines" />
          <pre class="report">{lines.join('\n')}</pre>
        </div>
      )}
      <form
        class="grid"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(undefined);
          try {
            await api.patch(`/templates/${enc(t.name)}`, { package: pkg, cluster: cluster || undefined, account: { password } });
            setPassword('');
            onChanged(`Template ${t.name} saved.`);
          } catch (err) {
            setError(err);
          }
        }}
      >
        <Field label="Package">
          <input name="package" value={pkg} onInput={(e) => setPkg(e.currentTarget.value)} />
        </Field>
        <Field label="Cluster">
          <input name="cluster" value={cluster} onInput={(e) => setCluster(e.currentTarget.value)} />
        </Field>
        <Field label="New provisioning password" hint="Empty keeps the current password. At most 20 characters.">
          <input type="password" name="password" autoComplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </Field>
        <div class="actions">
          <button type="submit">Save</button>
          <button type="button" class="danger" onClick={onDelete}>
            Delete
          </button>
        </div>
      </form>
      <ErrorBox error={error} />
    </article>
  );
}

function TemplateCreate({ onCreated }: { onCreated: (text: string) => void }) {
  const [form, setForm] = useState({ name: '', provisioningId: '', package: '', cluster: '', username: '', password: '' });
  const [error, setError] = useState<unknown>();
  const [generated, setGenerated] = useState<string>();
  const set = (key: keyof typeof form) => (e: { currentTarget: HTMLInputElement }) => setForm({ ...form, [key]: e.currentTarget.value });
  return (
    <form
      class="card wide grid"
      aria-label="New template"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(undefined);
        try {
          const body = {
            name: form.name,
            provisioningId: form.provisioningId,
            package: form.package,
            ...(form.cluster ? { cluster: form.cluster } : {}),
            account: { username: form.username, ...(form.password ? { password: form.password } : {}) },
          };
          const created = await api.post<{ generatedPassword?: string }>('/templates', body);
          setGenerated(created.generatedPassword);
          onCreated(`Template ${form.name} created.`);
        } catch (err) {
          setError(err);
        }
      }}
    >
      <h3>New template</h3>
      <Field label="Name">
        <input name="name" required value={form.name} onInput={set('name')} />
      </Field>
      <Field label="Provisioning ID (Partner Hub)">
        <input name="provisioningId" required value={form.provisioningId} onInput={set('provisioningId')} />
      </Field>
      <Field label="Package">
        <input name="package" required value={form.package} onInput={set('package')} />
      </Field>
      <Field label="Cluster">
        <input name="cluster" value={form.cluster} onInput={set('cluster')} />
      </Field>
      <Field label="AS user name">
        <input name="username" required value={form.username} onInput={set('username')} />
      </Field>
      <Field label="Provisioning password" hint="Empty: a 20-character password is generated and shown once.">
        <input type="password" name="password" autoComplete="new-password" value={form.password} onInput={set('password')} />
      </Field>
      <button type="submit">Create template</button>
      <ErrorBox error={error} />
      {generated && (
        <p class="notice" role="status">
          Generated password (shown once, paste it on the AS now): <code>{generated}</code> <CopyButton text={generated} />
        </p>
      )}
    </form>
  );
}
