// @kubernetes/client-node against a fakekapi server: one scenario per run.
//
//   node client_node_checks.mjs KUBECONFIG NAMESPACE SCENARIO
//
// Each scenario asserts with node:assert and prints one JSON line of what it saw, so the pytest
// side can both rely on the exit code and show the details when something differs.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';

const [kubeconfigPath, namespace, scenario] = process.argv.slice(2);
const kc = new k8s.KubeConfig();
kc.loadFromFile(kubeconfigPath);
const core = kc.makeApiClient(k8s.CoreV1Api);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check, what, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function configMap(name, data = {}, labels = {}) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data };
}

async function apiError(promise) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof k8s.ApiException, `not an ApiException: ${e}`);
    const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
    return { code: e.code, body };
  }
  throw new Error('the request succeeded but should have failed');
}

const scenarios = {
  async crud() {
    const namespaces = await core.listNamespace();
    const names = namespaces.items.map((n) => n.metadata.name);
    assert.ok(names.includes(namespace) && names.includes('kube-system'), names.join(','));

    const created = await core.createNamespacedConfigMap({
      namespace,
      body: configMap('node-cm', { a: '1' }, { client: 'node' }),
    });
    assert.equal(created.metadata.namespace, namespace);
    assert.ok(created.metadata.uid);
    assert.ok(created.metadata.creationTimestamp instanceof Date);

    const read = await core.readNamespacedConfigMap({ name: 'node-cm', namespace });
    assert.deepEqual(read.data, { a: '1' });

    const listed = await core.listNamespacedConfigMap({ namespace, labelSelector: 'client=node' });
    assert.deepEqual(listed.items.map((c) => c.metadata.name), ['node-cm']);
    assert.ok(listed.metadata.resourceVersion);

    const byField = await core.listNamespacedConfigMap({
      namespace,
      fieldSelector: 'metadata.name=node-cm',
    });
    assert.equal(byField.items.length, 1);

    const dup = await apiError(
      core.createNamespacedConfigMap({ namespace, body: configMap('node-cm') }),
    );
    assert.equal(dup.code, 409);
    assert.equal(dup.body.reason, 'AlreadyExists');

    const status = await core.deleteNamespacedConfigMap({ name: 'node-cm', namespace });
    assert.equal(status.status, 'Success');

    const missing = await apiError(core.readNamespacedConfigMap({ name: 'node-cm', namespace }));
    assert.equal(missing.code, 404);
    assert.equal(missing.body.message, 'configmaps "node-cm" not found');
    return { names: names.length, deleted: status.details.name };
  },

  async patch() {
    await core.createNamespacedConfigMap({ namespace, body: configMap('p', { a: '1' }) });
    const opts = (strategy) => k8s.setHeaderOptions('Content-Type', strategy);

    const merged = await core.patchNamespacedConfigMap(
      { name: 'p', namespace, body: { data: { b: '2' } } },
      opts(k8s.PatchStrategy.MergePatch),
    );
    assert.deepEqual(merged.data, { a: '1', b: '2' });

    const strategic = await core.patchNamespacedConfigMap(
      { name: 'p', namespace, body: { data: { a: null }, metadata: { labels: { s: 'y' } } } },
      opts(k8s.PatchStrategy.StrategicMergePatch),
    );
    assert.deepEqual(strategic.data, { b: '2' });
    assert.deepEqual(strategic.metadata.labels, { s: 'y' });

    const json = await core.patchNamespacedConfigMap(
      { name: 'p', namespace, body: [{ op: 'add', path: '/data/c', value: '3' }] },
      opts(k8s.PatchStrategy.JsonPatch),
    );
    assert.deepEqual(json.data, { b: '2', c: '3' });

    // No override: the generated method sends application/json-patch+json, so a list works...
    const byDefault = await core.patchNamespacedConfigMap({
      name: 'p',
      namespace,
      body: [{ op: 'replace', path: '/data/c', value: '4' }],
    });
    assert.equal(byDefault.data.c, '4');
    // ... and an object body is refused by the JSON patch decoder, as kube does.
    const refused = await apiError(
      core.patchNamespacedConfigMap({ name: 'p', namespace, body: { data: { d: '5' } } }),
    );
    assert.equal(refused.code, 400);
    assert.equal(refused.body.reason, 'BadRequest');

    const applied = await core.patchNamespacedConfigMap(
      {
        name: 'p',
        namespace,
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p' }, data: { e: '6' } },
        fieldManager: 'node-apply',
        force: true,
      },
      opts(k8s.PatchStrategy.ServerSideApply),
    );
    assert.equal(applied.data.e, '6');
    assert.ok(applied.metadata.managedFields.some((m) => m.manager === 'node-apply'));
    return { refused: refused.body.message, data: applied.data };
  },

  async informer() {
    const path = `/api/v1/namespaces/${namespace}/configmaps`;
    const informer = k8s.makeInformer(
      kc,
      path,
      () => core.listNamespacedConfigMap({ namespace, labelSelector: 'informed=yes' }),
      'informed=yes',
    );
    const events = [];
    informer.on(k8s.ADD, (o) => events.push(['add', o.metadata.name, o.data?.v ?? '']));
    informer.on(k8s.UPDATE, (o) => events.push(['update', o.metadata.name, o.data?.v ?? '']));
    informer.on(k8s.DELETE, (o) => events.push(['delete', o.metadata.name, o.data?.v ?? '']));
    const errors = [];
    informer.on(k8s.ERROR, (e) => errors.push(String(e)));

    await core.createNamespacedConfigMap({
      namespace,
      body: configMap('before', { v: '0' }, { informed: 'yes' }),
    });
    await informer.start();
    await until(() => events.length >= 1, 'the initial list');
    await core.createNamespacedConfigMap({
      namespace,
      body: configMap('i', { v: '1' }, { informed: 'yes' }),
    });
    await until(() => events.length >= 2, 'add');
    await core.replaceNamespacedConfigMap({
      name: 'i',
      namespace,
      body: configMap('i', { v: '2' }, { informed: 'yes' }),
    });
    await until(() => events.length >= 3, 'update');
    await core.deleteNamespacedConfigMap({ name: 'i', namespace });
    await until(() => events.length >= 4, 'delete');
    // Not selected: never seen.
    await core.createNamespacedConfigMap({ namespace, body: configMap('other') });
    const cached = informer.list(namespace).map((o) => o.metadata.name);
    await informer.stop();
    assert.deepEqual(events, [
      ['add', 'before', '0'],
      ['add', 'i', '1'],
      ['update', 'i', '2'],
      ['delete', 'i', '2'],
    ]);
    assert.deepEqual(cached, ['before']);
    assert.deepEqual(errors, []);
    return { events };
  },

  // An informer on pods, as operators and CI scripts use one to wait for a rollout: a Deployment
  // is created through AppsV1Api, its pods (made by the deployment and replicaset controllers,
  // run by the simulated kubelet) arrive and turn Ready, seen through the informer only.
  async podsready() {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const path = `/api/v1/namespaces/${namespace}/pods`;
    const informer = k8s.makeInformer(
      kc,
      path,
      () => core.listNamespacedPod({ namespace, labelSelector: 'app=informed' }),
      'app=informed',
    );
    const errors = [];
    informer.on(k8s.ERROR, (e) => errors.push(String(e)));
    await informer.start();
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'informed' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'informed' } },
          template: {
            metadata: { labels: { app: 'informed' } },
            spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
          },
        },
      },
    });
    const isReady = (p) =>
      (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    const ready = () => informer.list(namespace).filter(isReady);
    await until(() => ready().length === 2, 'two Ready pods', 60000);
    const pods = ready();
    await informer.stop();
    assert.deepEqual(errors, []);
    for (const pod of pods) {
      assert.equal(pod.status.phase, 'Running');
      assert.equal(pod.metadata.ownerReferences[0].kind, 'ReplicaSet');
      assert.ok(pod.status.podIP);
    }
    return { ready: pods.map((p) => p.metadata.name).sort() };
  },

  async watch() {
    const list = await core.listNamespacedConfigMap({ namespace });
    const rv = list.metadata.resourceVersion;
    const watch = new k8s.Watch(kc);
    const seen = [];
    let ended = null;
    const controller = await watch.watch(
      `/api/v1/namespaces/${namespace}/configmaps`,
      { resourceVersion: rv, allowWatchBookmarks: true },
      (phase, obj) => seen.push([phase, obj.metadata.name, obj.metadata.resourceVersion]),
      (err) => {
        ended = err ?? 'done';
      },
    );
    await core.createNamespacedConfigMap({ namespace, body: configMap('w', { v: '1' }) });
    await core.patchNamespacedConfigMap(
      { name: 'w', namespace, body: { data: { v: '2' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedConfigMap({ name: 'w', namespace });
    await until(() => seen.length >= 3, 'three events');
    controller.abort();
    assert.deepEqual(
      seen.map(([phase, name]) => [phase, name]),
      [
        ['ADDED', 'w'],
        ['MODIFIED', 'w'],
        ['DELETED', 'w'],
      ],
    );

    // Resume after the first event: only the later two come back; the server ends the watch
    // at timeoutSeconds and the done callback fires.
    const resumed = [];
    let done = false;
    await watch.watch(
      `/api/v1/namespaces/${namespace}/configmaps`,
      { resourceVersion: seen[0][2], timeoutSeconds: 1 },
      (phase) => resumed.push(phase),
      () => {
        done = true;
      },
    );
    await until(() => done, 'the server to end the watch');
    assert.deepEqual(resumed, ['MODIFIED', 'DELETED']);

    return { seen, resumed, ended: String(ended) };
  },
};

const run = scenarios[scenario];
if (!run) {
  console.error(`unknown scenario ${scenario}`);
  process.exit(2);
}
try {
  const result = await run();
  console.log(JSON.stringify({ scenario, ok: true, result }));
} catch (e) {
  console.error(e?.stack ?? String(e));
  if (e?.body) console.error('body:', typeof e.body === 'string' ? e.body : JSON.stringify(e.body));
  process.exit(1);
}
