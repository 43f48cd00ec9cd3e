import {
  ApiException,
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { z } from 'zod';
import type { K8sObject } from '../../manifests/types.js';
import { UserError } from '../../util/errors.js';
import { k8sObject } from './status.js';

/** The field manager of every apply (server-side apply records who owns each field). */
export const FIELD_MANAGER = 'scalebench';

/** Where each custom resource's CRDs come from, for the message when they are missing. */
const crdOwners: Record<string, string> = {
  'serving.kserve.io': 'KServe (https://kserve.github.io/website/latest/admin/serverless/serverless/ or its raw-deployment install)',
  'keda.sh': 'KEDA (https://keda.sh/docs/latest/deploy/)',
  'monitoring.coreos.com': 'the prometheus-operator CRDs (https://prometheus-operator.dev/docs/getting-started/installation/)',
};

/** The group of an apiVersion ("" for the core group). */
export const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');

/** How scalebench reaches one cluster: client-node behind errors that say what to fix. */
export class ClusterClient {
  readonly objects: KubernetesObjectApi;
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;
  private readonly authz: AuthorizationV1Api;
  readonly server: string;

  constructor(readonly kc: KubeConfig) {
    this.objects = KubernetesObjectApi.makeApiClient(kc);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.core = kc.makeApiClient(CoreV1Api);
    this.authz = kc.makeApiClient(AuthorizationV1Api);
    this.server = kc.getCurrentCluster()?.server ?? '(no cluster in the kubeconfig)';
  }

  /** From a kubeconfig file (default: $KUBECONFIG or ~/.kube/config) and an optional context. */
  static load(o: { kubeconfig?: string; context?: string } = {}): ClusterClient {
    const kc = new KubeConfig();
    try {
      if (o.kubeconfig) kc.loadFromFile(o.kubeconfig);
      else kc.loadFromDefault();
    } catch (err) {
      throw new UserError(
        `kubernetes target: cannot read the kubeconfig ${o.kubeconfig ?? '(default)'}: ${(err as Error).message}; set KUBECONFIG or target.context`,
      );
    }
    if (o.context) {
      if (!kc.getContexts().some((c) => c.name === o.context)) {
        throw new UserError(
          `kubernetes target: target.context "${o.context}" is not in the kubeconfig (it has: ${
            kc
              .getContexts()
              .map((c) => c.name)
              .join(', ') || 'none'
          })`,
        );
      }
      kc.setCurrentContext(o.context);
    }
    return new ClusterClient(kc);
  }

  /** Turns client-node's errors into one line naming what to fix. */
  explain(err: unknown, what: string): Error {
    if (err instanceof UserError) return err;
    if (err instanceof ApiException) {
      // A Status object's message (metav1.Status), else the body as text.
      const body = statusMessage.safeParse(typeof err.body === 'string' ? safeJson(err.body) : err.body);
      const message = body.success ? body.data.message : String(err.body).slice(0, 300);
      if (err.code === 401)
        return new UserError(`kubernetes target: ${what}: the API server at ${this.server} refused the credentials (401): refresh the kubeconfig's token`);
      if (err.code === 403)
        return new UserError(`kubernetes target: ${what}: forbidden (403): ${message}; grant it with a Role/ClusterRole bound to this user`);
      return new UserError(`kubernetes target: ${what}: HTTP ${err.code}: ${message}`);
    }
    const e = err as Error & { cause?: { code?: string }; code?: string };
    const code = e.cause?.code ?? e.code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || /fetch failed|ECONNREFUSED/.test(e.message)) {
      return new UserError(
        `kubernetes target: the API server at ${this.server} is unreachable (${code ?? e.message}): check target.context and that the cluster is up (kubectl cluster-info)`,
      );
    }
    const m = /Unrecognized API version and kind: (\S+) (\S+)/.exec(e.message);
    if (m) return missingKind(m[1]!, m[2]!, this.server);
    return new UserError(`kubernetes target: ${what}: ${e.message}`);
  }

  private async call<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (err) {
      throw this.explain(err, what);
    }
  }

  /** The API server answers and serves each kind (their CRDs are installed): a message naming what to install if not. */
  async checkKinds(namespace: string, kinds: ReadonlyArray<{ apiVersion: string; kind: string }>): Promise<void> {
    const missing: string[] = [];
    for (const k of kinds) {
      try {
        await this.objects.list(k.apiVersion, k.kind, namespace, undefined, undefined, undefined, undefined, undefined, 1);
      } catch (err) {
        const notServed = (err instanceof ApiException && err.code === 404) || /Unrecognized API version/.test((err as Error).message);
        if (!notServed) throw this.explain(err, `listing ${k.kind}`);
        missing.push(`${k.kind} (${k.apiVersion})`);
      }
    }
    if (missing.length) {
      const groups = [...new Set(missing.map((m) => /\(([^/)]+)\//.exec(m)?.[1] ?? ''))];
      const install = groups.map((g) => crdOwners[g]).filter(Boolean);
      throw new UserError(
        `kubernetes target: the API server at ${this.server} does not serve ${missing.join(', ')}: install ${install.join('; ') || 'their CRDs'}`,
      );
    }
  }

  /** Every verb the target needs on each resource, by SelfSubjectAccessReview: a message naming what to grant if not. */
  async checkAccess(namespace: string, needs: ReadonlyArray<{ group: string; resource: string; verbs: readonly string[] }>): Promise<void> {
    const denied: string[] = [];
    for (const n of needs) {
      for (const verb of n.verbs) {
        const review = await this.call('checking access (SelfSubjectAccessReview)', () =>
          this.authz.createSelfSubjectAccessReview({
            body: {
              apiVersion: 'authorization.k8s.io/v1',
              kind: 'SelfSubjectAccessReview',
              spec: { resourceAttributes: { namespace, verb, group: n.group, resource: n.resource } },
            },
          }),
        );
        if (!review.status?.allowed) {
          const [resource, sub] = n.resource.split('/');
          denied.push(`${verb} ${resource}${n.group ? `.${n.group}` : ''}${sub ? `/${sub}` : ''}`);
        }
      }
    }
    if (denied.length) {
      throw new UserError(
        `kubernetes target: this user may not ${denied.join(', ')} in namespace "${namespace}": grant them with a Role and RoleBinding (or ask the cluster's admin)`,
      );
    }
  }

  async ensureNamespace(name: string): Promise<void> {
    await this.call(`creating namespace ${name}`, () =>
      this.objects.patch(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'scalebench' } } },
        undefined,
        undefined,
        FIELD_MANAGER,
        true,
        PatchStrategy.ServerSideApply,
      ),
    );
  }

  /** Server-side apply (field manager `scalebench`, conflicts forced: the harness owns what it applies). */
  async apply(o: K8sObject): Promise<K8sObject> {
    const what = `applying ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const applied = await this.call(what, () => this.objects.patch(o, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply));
    return k8sObject(applied, what);
  }

  /** Sets annotations on one object (a JSON merge patch of metadata.annotations). */
  async annotate(o: Pick<K8sObject, 'apiVersion' | 'kind' | 'metadata'>, annotations: Record<string, string>): Promise<void> {
    const { name, namespace } = o.metadata;
    await this.call(`annotating ${o.kind} ${namespace ?? ''}/${name}`, () =>
      this.objects.patch(
        { apiVersion: o.apiVersion, kind: o.kind, metadata: { name, ...(namespace ? { namespace } : {}), annotations } },
        undefined,
        undefined,
        FIELD_MANAGER,
        undefined,
        PatchStrategy.MergePatch,
      ),
    );
  }

  async read(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<K8sObject | undefined> {
    try {
      const o = await this.objects.read({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } });
      return k8sObject(o, `reading ${kind} ${name}`);
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw this.explain(err, `reading ${kind} ${name}`);
    }
  }

  async list(apiVersion: string, kind: string, namespace: string | undefined, labelSelector?: string): Promise<K8sObject[]> {
    const res = await this.call(`listing ${kind}`, () =>
      this.objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector),
    );
    // Items of a list carry no apiVersion/kind: put them back.
    return res.items.map((o) => k8sObject({ ...o, apiVersion, kind }, `listing ${kind}`));
  }

  /** Deletes one object (foreground: its pods go with it); gone already is fine. */
  async delete(o: Pick<K8sObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<void> {
    try {
      await this.objects.delete(o, undefined, undefined, undefined, undefined, 'Background');
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return;
      throw this.explain(err, `deleting ${o.kind} ${o.metadata.name}`);
    }
  }

  async readScale(namespace: string, deployment: string): Promise<{ spec: number; status: number } | undefined> {
    try {
      const s = await this.apps.readNamespacedDeploymentScale({ name: deployment, namespace });
      return { spec: s.spec?.replicas ?? 0, status: s.status?.replicas ?? 0 };
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw this.explain(err, `reading the scale of Deployment ${deployment}`);
    }
  }

  async setScale(namespace: string, deployment: string, replicas: number): Promise<void> {
    await this.call(`scaling Deployment ${deployment}`, () =>
      this.apps.patchNamespacedDeploymentScale(
        { name: deployment, namespace, body: { spec: { replicas } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
  }

  /** The namespace's events about one object, newest last, as `reason: message` lines. */
  async eventsFor(namespace: string, name: string): Promise<string[]> {
    const list = await this.call('listing events', () => this.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` }));
    return list.items
      .sort((a, b) => String(a.lastTimestamp ?? a.eventTime ?? '').localeCompare(String(b.lastTimestamp ?? b.eventTime ?? '')))
      .map((e) => `${e.reason}: ${e.message}`);
  }
}

function missingKind(apiVersion: string, kind: string, server: string): UserError {
  const owner = crdOwners[groupOf(apiVersion)];
  return new UserError(`kubernetes target: the API server at ${server} does not serve ${kind} (${apiVersion}): install ${owner ?? 'its CRD'}`);
}

const statusMessage = z.looseObject({ message: z.string() });

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return { message: s.slice(0, 300) };
  }
}
