import { useState } from 'preact/hooks';
import { api, enc } from '../api';
import { ConfirmDialog, ErrorBox, Field, usePoll, type ConfirmRequest } from '../ui';

interface Cluster {
  name: string;
  description: string;
  hosts: string[];
  sourceAddresses: string[];
  identityRules?: { subjectCn: string[]; san: string[]; fingerprints: string[] };
}

const list = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

export function ClustersSection() {
  const { data, error, reload } = usePoll(() => api.get<{ clusters: Cluster[] }>('/clusters'), 0);
  const [confirm, setConfirm] = useState<ConfirmRequest>();
  const [actionError, setActionError] = useState<unknown>();
  const empty = { name: '', description: '', hosts: '', subjectCn: '' };
  const [form, setForm] = useState(empty);
  const [editing, setEditing] = useState<Cluster>();
  return (
    <>
      <h2>Clusters</h2>
      <ErrorBox error={error ?? actionError} />
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Hosts</th>
              <th scope="col">Client certificate CN</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {data?.clusters.map((c) => (
              <tr key={c.name} data-cluster={c.name}>
                <td>
                  {c.name}
                  {c.description && <small class="muted"> {c.description}</small>}
                </td>
                <td>{c.hosts.join(', ') || '—'}</td>
                <td>{(c.identityRules?.subjectCn ?? []).join(', ') || '—'}</td>
                <td class="actions">
                  <button
                    type="button"
                    class="small secondary"
                    aria-label={`Edit cluster ${c.name}`}
                    onClick={() => {
                      setEditing(c);
                      setForm({
                        name: c.name,
                        description: c.description,
                        hosts: c.hosts.join(', '),
                        subjectCn: (c.identityRules?.subjectCn ?? []).join(', '),
                      });
                    }}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    class="small danger"
                    aria-label={`Delete cluster ${c.name}`}
                    onClick={() => {
                      setActionError(undefined);
                      setConfirm({
                        title: `Delete cluster ${c.name}`,
                        body: <p>Its Application Servers lose the identity rules the proxy checks them against. Refused while a template uses it.</p>,
                        confirmLabel: 'Delete',
                        run: () => api.del(`/clusters/${enc(c.name)}`),
                      });
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form
        class="card wide grid"
        aria-label={editing ? `Edit cluster ${editing.name}` : 'New cluster'}
        onSubmit={async (e) => {
          e.preventDefault();
          setActionError(undefined);
          try {
            const rules = { san: editing?.identityRules?.san ?? [], fingerprints: editing?.identityRules?.fingerprints ?? [], subjectCn: list(form.subjectCn) };
            const fields = { description: form.description, hosts: list(form.hosts), identityRules: rules };
            if (editing) await api.patch(`/clusters/${enc(editing.name)}`, fields);
            else await api.post('/clusters', { name: form.name, ...fields });
            setForm(empty);
            setEditing(undefined);
            reload();
          } catch (err) {
            setActionError(err);
          }
        }}
      >
        <h3>{editing ? `Edit cluster ${editing.name}` : 'New cluster'}</h3>
        <Field label="Cluster name">
          <input name="clusterName" required disabled={Boolean(editing)} value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
        </Field>
        <Field label="Description">
          <input name="description" value={form.description} onInput={(e) => setForm({ ...form, description: e.currentTarget.value })} />
        </Field>
        <Field label="AS hosts (comma or space separated)">
          <input name="hosts" value={form.hosts} onInput={(e) => setForm({ ...form, hosts: e.currentTarget.value })} />
        </Field>
        <Field label="Accepted client certificate CNs">
          <input name="subjectCn" value={form.subjectCn} onInput={(e) => setForm({ ...form, subjectCn: e.currentTarget.value })} />
        </Field>
        <div class="actions">
          <button type="submit">{editing ? 'Save cluster' : 'Create cluster'}</button>
          {editing && (
            <button type="button" class="secondary" onClick={() => (setEditing(undefined), setForm(empty))}>
              Cancel edit
            </button>
          )}
        </div>
      </form>
      <ConfirmDialog
        request={confirm}
        onDone={(r) => {
          setConfirm(undefined);
          if (r?.error) setActionError(r.error);
          reload();
        }}
      />
    </>
  );
}
