// Package manifests checks k8s/ without a cluster: each overlay renders with
// kustomize (the library inside `kubectl kustomize`), every object decodes
// strictly into its typed Kubernetes struct, and the objects agree with each
// other and with the app. deploy/kube-dry-run.sh adds a real API server.
package manifests

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

const repoRoot = "../.."

// providedOutside are objects the manifests reference but deliberately do
// not contain, with the keys they must carry. No Secret is ever rendered: an
// applied Secret would overwrite the real one (issue 20). deploy/minikube-up.sh
// creates them on Minikube when they are missing; on a real cluster the
// operator, a secret manager or cert-manager does (docs/deploy.md).
var providedOutside = map[string]map[string][]string{
	"Secret": {
		"inkwell-tls": {"tls.crt", "tls.key"},
		// The app reads it whole (envFrom: MYSQL_USER, MYSQL_PASSWORD,
		// REDIS_URL, in production MYSQL_HOST); the in-cluster MySQL and
		// Redis of Minikube read these keys.
		"inkwell-secrets":   {"MYSQL_USER", "MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD", "REDIS_PASSWORD"},
		"inkwell-import-s3": {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"},
	},
}

// createdByMinikubeUp are the Secrets deploy/create-secrets.sh (run by
// deploy/minikube-up.sh and the CI cluster step) makes when absent.
var createdByMinikubeUp = []string{"inkwell-tls", "inkwell-secrets"}

// appImage is the repository name of Inkwell's own image.
const appImage = "inkwell"

// rendered is one overlay's output, decoded.
type rendered struct {
	namespaces   map[string]bool
	configMaps   map[string]*corev1.ConfigMap
	secrets      map[string]*corev1.Secret
	services     []*corev1.Service
	workloads    []workload
	pdbs         []*policyv1.PodDisruptionBudget
	deployments  map[string]*appsv1.Deployment
	statefulSets map[string]*appsv1.StatefulSet
	jobs         map[string]*batchv1.Job
	cronJobs     map[string]*batchv1.CronJob
	netpols      []*networkingv1.NetworkPolicy
	pvcs         map[string]*corev1.PersistentVolumeClaim
	hpas         []*autoscalingv2.HorizontalPodAutoscaler
	// certificates are cert-manager Certificates (no Go types here: the
	// fields this file reads are checked by hand).
	certificates []map[string]any
}

// workload is anything with a pod template.
type workload struct {
	kind, name string
	selector   *metav1.LabelSelector // nil for Jobs and CronJobs (their selector is generated)
	template   corev1.PodTemplateSpec
}

// runsToCompletion tells batch workloads (no Service, no probes) from servers.
func (w workload) runsToCompletion() bool { return w.kind == "Job" || w.kind == "CronJob" }

func overlays(t *testing.T) []string {
	dirs, err := filepath.Glob(filepath.Join(repoRoot, "k8s/overlays/*"))
	require.NoError(t, err)
	require.NotEmpty(t, dirs, "no overlays under k8s/overlays")
	return dirs
}

func render(t *testing.T, dir string) []byte {
	t.Helper()
	abs, err := filepath.Abs(dir)
	require.NoError(t, err)
	res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), abs)
	require.NoError(t, err, "kustomize build %s", dir)
	out, err := res.AsYaml()
	require.NoError(t, err)
	return out
}

// decode splits the stream and decodes each document strictly (unknown or
// duplicate fields are errors) into the type its apiVersion/kind names.
func decode(t *testing.T, stream []byte) *rendered {
	t.Helper()
	r := &rendered{namespaces: map[string]bool{}, configMaps: map[string]*corev1.ConfigMap{},
		secrets: map[string]*corev1.Secret{}, deployments: map[string]*appsv1.Deployment{},
		statefulSets: map[string]*appsv1.StatefulSet{}, jobs: map[string]*batchv1.Job{},
		cronJobs: map[string]*batchv1.CronJob{}, pvcs: map[string]*corev1.PersistentVolumeClaim{}}
	for i, doc := range bytes.Split(stream, []byte("\n---\n")) {
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var meta metav1.TypeMeta
		require.NoError(t, yaml.Unmarshal(doc, &meta), "document %d", i)
		var obj metav1.Object
		strict := func(into any) {
			require.NoError(t, yaml.UnmarshalStrict(doc, into), "%s/%s (document %d) does not decode strictly", meta.APIVersion, meta.Kind, i)
		}
		switch meta.APIVersion + " " + meta.Kind {
		case "v1 Namespace":
			o := &corev1.Namespace{}
			strict(o)
			r.namespaces[o.Name] = true
			obj = o
		case "v1 ConfigMap":
			o := &corev1.ConfigMap{}
			strict(o)
			r.configMaps[o.Name] = o
			obj = o
		case "v1 Secret":
			o := &corev1.Secret{}
			strict(o)
			r.secrets[o.Name] = o
			obj = o
		case "v1 Service":
			o := &corev1.Service{}
			strict(o)
			r.services = append(r.services, o)
			obj = o
		case "apps/v1 Deployment":
			o := &appsv1.Deployment{}
			strict(o)
			r.deployments[o.Name] = o
			r.workloads = append(r.workloads, workload{"Deployment", o.Name, o.Spec.Selector, o.Spec.Template})
			obj = o
		case "apps/v1 StatefulSet":
			o := &appsv1.StatefulSet{}
			strict(o)
			r.statefulSets[o.Name] = o
			r.workloads = append(r.workloads, workload{"StatefulSet", o.Name, o.Spec.Selector, o.Spec.Template})
			obj = o
		case "batch/v1 Job":
			o := &batchv1.Job{}
			strict(o)
			r.jobs[o.Name] = o
			r.workloads = append(r.workloads, workload{"Job", o.Name, nil, o.Spec.Template})
			obj = o
		case "batch/v1 CronJob":
			o := &batchv1.CronJob{}
			strict(o)
			r.cronJobs[o.Name] = o
			r.workloads = append(r.workloads, workload{"CronJob", o.Name, nil, o.Spec.JobTemplate.Spec.Template})
			obj = o
		case "policy/v1 PodDisruptionBudget":
			o := &policyv1.PodDisruptionBudget{}
			strict(o)
			r.pdbs = append(r.pdbs, o)
			obj = o
		case "networking.k8s.io/v1 NetworkPolicy":
			o := &networkingv1.NetworkPolicy{}
			strict(o)
			r.netpols = append(r.netpols, o)
			obj = o
		case "v1 PersistentVolumeClaim":
			o := &corev1.PersistentVolumeClaim{}
			strict(o)
			r.pvcs[o.Name] = o
			obj = o
		case "autoscaling/v2 HorizontalPodAutoscaler":
			o := &autoscalingv2.HorizontalPodAutoscaler{}
			strict(o)
			r.hpas = append(r.hpas, o)
			obj = o
		case "cert-manager.io/v1 Certificate":
			var o struct {
				metav1.TypeMeta   `json:",inline"`
				metav1.ObjectMeta `json:"metadata"`
				Spec              map[string]any `json:"spec"`
			}
			strict(&o)
			r.certificates = append(r.certificates, map[string]any{"name": o.Name, "spec": o.Spec})
			obj = &o.ObjectMeta
		default:
			t.Fatalf("document %d: %s %s has no typed check here; add it to decode", i, meta.APIVersion, meta.Kind)
		}
		require.NotEmpty(t, obj.GetName(), "document %d has no name", i)
		if meta.Kind != "Namespace" {
			assert.NotEmpty(t, obj.GetNamespace(), "%s/%s has no namespace", meta.Kind, obj.GetName())
		}
	}
	return r
}

func TestOverlays_DecodeStrictlyAndCrossReferencesHold(t *testing.T) {
	routes := appRoutes(t)
	for _, dir := range overlays(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			r := decode(t, render(t, dir))
			checkNamespaces(t, r)
			checkSelectors(t, r)
			checkServices(t, r)
			checkContainers(t, r, routes)
			checkReferences(t, r)
			checkNoSecrets(t, r)
			checkImages(t, r)
			checkJobs(t, r)
			checkApp(t, r)
			checkOperations(t, r)
			checkHAProxy(t, r)
		})
	}
}

func checkNamespaces(t *testing.T, r *rendered) {
	require.NotEmpty(t, r.namespaces, "the overlay must create its namespace")
	for _, cm := range r.configMaps {
		assert.True(t, r.namespaces[cm.Namespace], "ConfigMap %s in namespace %q that the overlay does not create", cm.Name, cm.Namespace)
	}
	for _, s := range r.services {
		assert.True(t, r.namespaces[s.Namespace], "Service %s in namespace %q that the overlay does not create", s.Name, s.Namespace)
	}
	for _, d := range r.deployments {
		assert.True(t, r.namespaces[d.Namespace], "Deployment %s in namespace %q that the overlay does not create", d.Name, d.Namespace)
	}
}

func checkSelectors(t *testing.T, r *rendered) {
	for _, w := range r.workloads {
		if w.selector == nil {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(w.selector)
		require.NoError(t, err, "%s %s selector", w.kind, w.name)
		assert.False(t, sel.Empty(), "%s %s selects everything", w.kind, w.name)
		assert.True(t, sel.Matches(labels.Set(w.template.Labels)), "%s %s: selector %s does not match its pod labels %v", w.kind, w.name, sel, w.template.Labels)
	}
	for _, p := range r.pdbs {
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		require.NoError(t, err)
		assert.NotEmpty(t, selected(r, sel), "PodDisruptionBudget %s selects no pods", p.Name)
	}
	for name, s := range r.statefulSets {
		assert.NotEmpty(t, s.Spec.VolumeClaimTemplates, "StatefulSet %s keeps no data on a PersistentVolumeClaim", name)
		assert.True(t, hasService(r, s.Spec.ServiceName), "StatefulSet %s names Service %q, which does not exist", name, s.Spec.ServiceName)
	}
}

func hasService(r *rendered, name string) bool {
	return slices.ContainsFunc(r.services, func(s *corev1.Service) bool { return s.Name == name })
}

// selected returns the long-running workloads whose pods sel matches.
func selected(r *rendered, sel labels.Selector) []workload {
	var out []workload
	for _, w := range r.workloads {
		if !w.runsToCompletion() && sel.Matches(labels.Set(w.template.Labels)) {
			out = append(out, w)
		}
	}
	return out
}

func checkServices(t *testing.T, r *rendered) {
	for _, s := range r.services {
		require.NotEmpty(t, s.Spec.Selector, "Service %s has no selector", s.Name)
		ws := selected(r, labels.SelectorFromSet(s.Spec.Selector))
		require.NotEmpty(t, ws, "Service %s selects no pods", s.Name)
		for _, p := range s.Spec.Ports {
			target := p.TargetPort
			if target == (intstr.IntOrString{}) {
				target = intstr.FromInt32(p.Port)
			}
			for _, w := range ws {
				assert.True(t, exposes(w.template.Spec, target), "Service %s port %s targets %s, which %s %s does not expose", s.Name, p.Name, target.String(), w.kind, w.name)
			}
		}
	}
}

func exposes(spec corev1.PodSpec, port intstr.IntOrString) bool {
	for _, c := range spec.Containers {
		if containerPort(c, port) {
			return true
		}
	}
	return false
}

func containerPort(c corev1.Container, port intstr.IntOrString) bool {
	for _, cp := range c.Ports {
		if (port.Type == intstr.String && cp.Name == port.StrVal) || (port.Type == intstr.Int && cp.ContainerPort == port.IntVal) {
			return true
		}
	}
	return false
}

func allContainers(spec corev1.PodSpec) []corev1.Container {
	return append(slices.Clone(spec.InitContainers), spec.Containers...)
}

func isAppImage(image string) bool {
	name, _, _ := strings.Cut(image, "@")
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name = name[:i]
	}
	return name == appImage || strings.HasSuffix(name, "/"+appImage)
}

func checkContainers(t *testing.T, r *rendered, routes []string) {
	for _, w := range r.workloads {
		for _, c := range allContainers(w.template.Spec) {
			where := fmt.Sprintf("%s %s container %s", w.kind, w.name, c.Name)
			for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, hasReq := c.Resources.Requests[res]
				lim, hasLim := c.Resources.Limits[res]
				assert.True(t, hasReq, "%s has no %s request", where, res)
				assert.True(t, hasLim, "%s has no %s limit", where, res)
				if hasReq && hasLim {
					assert.LessOrEqual(t, req.Cmp(lim), 0, "%s: %s request %s exceeds its limit %s", where, res, req.String(), lim.String())
					assert.True(t, lim.Cmp(resource.Quantity{}) > 0, "%s: zero %s limit", where, res)
				}
			}
			for kind, p := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe, "startup": c.StartupProbe} {
				if p == nil || p.HTTPGet == nil {
					continue
				}
				assert.True(t, containerPort(c, p.HTTPGet.Port), "%s: %s probe port %s is not a port of the container", where, kind, p.HTTPGet.Port.String())
				if isAppImage(c.Image) {
					assert.Contains(t, routes, p.HTTPGet.Path, "%s: %s probe path is not a route of the app", where, kind)
				}
			}
			if !w.runsToCompletion() {
				assert.NotNil(t, c.ReadinessProbe, "%s has no readiness probe", where)
				assert.NotNil(t, c.LivenessProbe, "%s has no liveness probe", where)
			}
			sc := c.SecurityContext
			if assert.NotNil(t, sc, "%s has no securityContext", where) {
				assert.Equal(t, false, deref(sc.AllowPrivilegeEscalation, true), "%s may escalate privileges", where)
			}
			pod := w.template.Spec.SecurityContext
			nonRoot := (sc != nil && deref(sc.RunAsNonRoot, false)) || (pod != nil && deref(pod.RunAsNonRoot, false))
			assert.True(t, nonRoot, "%s may run as root", where)
		}
	}
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// keysOf lists the keys a ConfigMap or Secret in the render (or provided
// outside it) carries; ok is false when there is no such object.
func keysOf(r *rendered, kind, name string) (keys []string, ok bool) {
	switch kind {
	case "ConfigMap":
		if cm, found := r.configMaps[name]; found {
			for k := range cm.Data {
				keys = append(keys, k)
			}
			for k := range cm.BinaryData {
				keys = append(keys, k)
			}
			return keys, true
		}
	case "Secret":
		if s, found := r.secrets[name]; found {
			for k := range s.Data {
				keys = append(keys, k)
			}
			for k := range s.StringData {
				keys = append(keys, k)
			}
			return keys, true
		}
	}
	keys, ok = providedOutside[kind][name]
	return keys, ok
}

func checkReferences(t *testing.T, r *rendered) {
	ref := func(where, kind, name, key string, optional *bool) {
		if deref(optional, false) {
			return
		}
		keys, ok := keysOf(r, kind, name)
		if !assert.True(t, ok, "%s refers to %s %q, which does not exist", where, kind, name) || key == "" {
			return
		}
		assert.Contains(t, keys, key, "%s refers to key %q of %s %s, which it does not have", where, key, kind, name)
	}
	for _, w := range r.workloads {
		for _, c := range allContainers(w.template.Spec) {
			where := fmt.Sprintf("%s %s container %s", w.kind, w.name, c.Name)
			for _, ef := range c.EnvFrom {
				if ef.ConfigMapRef != nil {
					ref(where, "ConfigMap", ef.ConfigMapRef.Name, "", ef.ConfigMapRef.Optional)
				}
				if ef.SecretRef != nil {
					ref(where, "Secret", ef.SecretRef.Name, "", ef.SecretRef.Optional)
				}
			}
			for _, e := range c.Env {
				if e.ValueFrom == nil {
					continue
				}
				if k := e.ValueFrom.ConfigMapKeyRef; k != nil {
					ref(where+" env "+e.Name, "ConfigMap", k.Name, k.Key, k.Optional)
				}
				if k := e.ValueFrom.SecretKeyRef; k != nil {
					ref(where+" env "+e.Name, "Secret", k.Name, k.Key, k.Optional)
				}
			}
			mounted := map[string]bool{}
			for _, m := range c.VolumeMounts {
				mounted[m.Name] = true
			}
			for name := range mounted {
				defined := slices.ContainsFunc(w.template.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == name })
				if s, ok := r.statefulSets[w.name]; ok && w.kind == "StatefulSet" {
					defined = defined || slices.ContainsFunc(s.Spec.VolumeClaimTemplates, func(c corev1.PersistentVolumeClaim) bool { return c.Name == name })
				}
				assert.True(t, defined, "%s mounts volume %q, which the pod does not define", where, name)
			}
		}
		for _, v := range w.template.Spec.Volumes {
			where := fmt.Sprintf("%s %s volume %s", w.kind, w.name, v.Name)
			if v.ConfigMap != nil {
				ref(where, "ConfigMap", v.ConfigMap.Name, "", v.ConfigMap.Optional)
				for _, it := range v.ConfigMap.Items {
					ref(where, "ConfigMap", v.ConfigMap.Name, it.Key, v.ConfigMap.Optional)
				}
			}
			if v.Secret != nil {
				ref(where, "Secret", v.Secret.SecretName, "", v.Secret.Optional)
				for _, it := range v.Secret.Items {
					ref(where, "Secret", v.Secret.SecretName, it.Key, v.Secret.Optional)
				}
			}
		}
	}
}

// mutableTags are tags that name a moving target: applying an overlay with
// one twice cannot tell Kubernetes that the code changed (issue 20).
var mutableTags = []string{"latest", "local", "dev", "develop", "main", "master", "edge", "stable", "nightly", "test"}

// immutableAppTag is the shape of the app's build tags: a release version,
// optionally followed by the build's identity (deploy/image-tag.sh prints
// e.g. 0.1.0-g1a2b3c4d or 0.1.0-g1a2b3c4d-dirty-5e6f7a8b). Lower case only
// and short enough to become part of the migration Job's name.
var immutableAppTag = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+(-[0-9a-z]+(\.[0-9a-z]+)*)*$`)

// imageTag is the tag of image ("" when it has none).
func imageTag(image string) string {
	name, _, _ := strings.Cut(image, "@")
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		return name[i+1:]
	}
	return ""
}

// checkAppTag holds the app image to an immutable, build-specific tag.
func checkAppTag(t *testing.T, image string) {
	tag := imageTag(image)
	assert.NotContains(t, mutableTags, tag, "app image %s: a mutable tag; give every build its own (deploy/image-tag.sh)", image)
	assert.Regexp(t, immutableAppTag, tag, "app image %s: the tag must be a version plus build identity, lower case", image)
	assert.LessOrEqual(t, len(migrateJobPrefix+tag), 63, "app image %s: the tag is too long to name the migration Job", image)
}

func checkImages(t *testing.T, r *rendered) {
	var appImages []string
	for _, w := range r.workloads {
		for _, c := range allContainers(w.template.Spec) {
			assert.NotContains(t, c.Image, ":latest", "%s %s: pin a tag", w.kind, w.name)
			assert.Contains(t, c.Image, ":", "%s %s: image %s has no tag", w.kind, w.name, c.Image)
			if isAppImage(c.Image) {
				appImages = append(appImages, c.Image)
			}
		}
	}
	require.NotEmpty(t, appImages)
	for _, img := range appImages {
		assert.Equal(t, appImages[0], img, "the app, its migration Job and the import jobs must run the same image")
	}
	checkAppTag(t, appImages[0])
}

// checkNoSecrets: an overlay never carries a Secret. `kubectl apply -k`
// would replace the real credentials with whatever the file says.
func checkNoSecrets(t *testing.T, r *rendered) {
	for name := range r.secrets {
		assert.Fail(t, "the render contains Secret "+name, "Secrets are created outside the manifests (providedOutside); an applied Secret overwrites the real one")
	}
}

// Job name prefixes: the rest of the name is the app image tag, so a new
// image is a new Job (a Job's pod template is immutable) and re-applying
// the same image leaves the finished Job alone.
const (
	migrateJobPrefix = "inkwell-migrate-"
	importJobPrefix  = "inkwell-import-"
)

// checkJobs: every one-off Job is named after the image it runs and cleans
// itself up, so "apply, change the image, apply again" works with plain
// kubectl and with GitOps tools.
func checkJobs(t *testing.T, r *rendered) {
	var migrate int
	for name, job := range r.jobs {
		c := job.Spec.Template.Spec.Containers[0]
		require.True(t, isAppImage(c.Image), "Job %s runs %s, not the app image", name, c.Image)
		tag := imageTag(c.Image)
		switch job.Labels["app.kubernetes.io/component"] {
		case "migrate":
			migrate++
			assert.Equal(t, migrateJobPrefix+tag, name, "the migration Job's name must follow its image tag")
		case "import":
			assert.Equal(t, importJobPrefix+tag, name, "the import Job's name must follow its image tag")
		default:
			t.Errorf("Job %s has no known app.kubernetes.io/component label", name)
		}
		if assert.NotNil(t, job.Spec.TTLSecondsAfterFinished, "Job %s must clean up after itself (ttlSecondsAfterFinished)", name) {
			assert.Positive(t, *job.Spec.TTLSecondsAfterFinished, "Job %s ttlSecondsAfterFinished", name)
		}
	}
	assert.Equal(t, 1, migrate, "exactly one migration Job")
}

// checkApp holds the app workload to the deployment rules of issue 7.
func checkApp(t *testing.T, r *rendered) {
	app := r.deployments["inkwell-app"]
	require.NotNil(t, app, "Deployment inkwell-app")
	replicas := deref(app.Spec.Replicas, 1)
	for _, h := range r.hpas {
		if h.Spec.ScaleTargetRef.Kind == "Deployment" && h.Spec.ScaleTargetRef.Name == app.Name {
			assert.Nil(t, app.Spec.Replicas, "an autoscaled Deployment must not set replicas (each apply would reset them)")
			replicas = deref(h.Spec.MinReplicas, 1)
		}
	}
	assert.GreaterOrEqual(t, replicas, int32(2), "at least two replicas")
	require.Equal(t, appsv1.RollingUpdateDeploymentStrategyType, app.Spec.Strategy.Type)
	require.NotNil(t, app.Spec.Strategy.RollingUpdate)
	assert.Equal(t, intstr.FromInt32(0), deref(app.Spec.Strategy.RollingUpdate.MaxUnavailable, intstr.FromInt32(1)), "maxUnavailable must be 0")
	c := app.Spec.Template.Spec.Containers[0]
	require.NotNil(t, c.ReadinessProbe)
	require.NotNil(t, c.LivenessProbe)
	assert.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path)
	assert.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path)
	assert.True(t, deref(c.SecurityContext.ReadOnlyRootFilesystem, false), "read-only root filesystem")
	require.NotNil(t, c.Lifecycle, "preStop pause")
	require.NotNil(t, c.Lifecycle.PreStop, "preStop pause")
	require.NotNil(t, c.Lifecycle.PreStop.Sleep, "preStop pause")
	grace := deref(app.Spec.Template.Spec.TerminationGracePeriodSeconds, 30)
	assert.Greater(t, grace, c.Lifecycle.PreStop.Sleep.Seconds, "the grace period must outlast the preStop pause")

	job := r.jobs[migrateJobPrefix+imageTag(c.Image)]
	require.NotNil(t, job, "migration Job %s", migrateJobPrefix+imageTag(c.Image))
	assert.Equal(t, []string{"migrate", "up"}, job.Spec.Template.Spec.Containers[0].Args)

	var pdb bool
	for _, p := range r.pdbs {
		sel, _ := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		pdb = pdb || sel.Matches(labels.Set(app.Spec.Template.Labels))
	}
	assert.True(t, pdb, "a PodDisruptionBudget covers the app pods")

	// The migration Job and the app read the same settings.
	assert.Equal(t, c.EnvFrom, job.Spec.Template.Spec.Containers[0].EnvFrom)
	cfg := r.configMaps[c.EnvFrom[0].ConfigMapRef.Name]
	require.NotNil(t, cfg)
	assert.NotEmpty(t, cfg.Data["TRUSTED_PROXIES"], "the app must trust HAProxy's forwarded headers")
	assert.Equal(t, "mysql", cfg.Data["DB_DRIVER"])
	if _, inCluster := r.statefulSets["mysql"]; inCluster {
		assert.True(t, hasService(r, cfg.Data["MYSQL_HOST"]), "MYSQL_HOST %q is not a Service", cfg.Data["MYSQL_HOST"])
	} else {
		// A managed database: its address comes with its credentials, from the Secret.
		assert.NotContains(t, cfg.Data, "MYSQL_HOST", "no in-cluster MySQL: MYSQL_HOST belongs in Secret inkwell-secrets")
	}
}

// checkHAProxy ties HAProxy's Deployment to its config file and to the app.
func checkHAProxy(t *testing.T, r *rendered) {
	hap := r.deployments["haproxy"]
	require.NotNil(t, hap, "Deployment haproxy")
	c := hap.Spec.Template.Spec.Containers[0]

	source, err := os.ReadFile(filepath.Join(repoRoot, "deploy/haproxy/haproxy.cfg"))
	require.NoError(t, err)
	var cm *corev1.ConfigMap
	for _, v := range hap.Spec.Template.Spec.Volumes {
		if v.ConfigMap != nil {
			cm = r.configMaps[v.ConfigMap.Name]
		}
	}
	require.NotNil(t, cm, "haproxy mounts its ConfigMap")
	assert.Equal(t, string(source), cm.Data["haproxy.cfg"], "the ConfigMap must carry deploy/haproxy/haproxy.cfg unchanged")

	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	// APP_DNS must name the headless app Service, in this namespace, on the port haproxy.cfg dials.
	svcName, rest, _ := strings.Cut(env["APP_DNS"], ".")
	assert.True(t, strings.HasPrefix(rest, hap.Namespace+".svc."), "APP_DNS %q is not in namespace %s", env["APP_DNS"], hap.Namespace)
	var headless *corev1.Service
	for _, s := range r.services {
		if s.Name == svcName {
			headless = s
		}
	}
	require.NotNil(t, headless, "APP_DNS names Service %q, which does not exist", svcName)
	assert.Equal(t, corev1.ClusterIPNone, headless.Spec.ClusterIP, "HAProxy balances over pods itself: the Service must be headless")
	assert.Contains(t, string(source), `${APP_DNS-`+env["APP_DNS"]+`}:8080"`)
	assert.True(t, slices.ContainsFunc(headless.Spec.Ports, func(p corev1.ServicePort) bool { return p.Port == 8080 }), "headless Service must serve port 8080")

	// TLS_CERT is where the Secret volume puts the certificate.
	var certMounted bool
	for _, m := range c.VolumeMounts {
		for _, v := range hap.Spec.Template.Spec.Volumes {
			if v.Name == m.Name && v.Secret != nil {
				for _, it := range v.Secret.Items {
					certMounted = certMounted || filepath.Join(m.MountPath, it.Path) == env["TLS_CERT"]
				}
			}
		}
	}
	assert.True(t, certMounted, "TLS_CERT %q is not a file of the mounted TLS Secret", env["TLS_CERT"])

	var exposed bool
	for _, s := range r.services {
		external := s.Spec.Type == corev1.ServiceTypeNodePort || s.Spec.Type == corev1.ServiceTypeLoadBalancer
		if external && labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(hap.Spec.Template.Labels)) {
			exposed = slices.ContainsFunc(s.Spec.Ports, func(p corev1.ServicePort) bool { return p.Port == 443 })
		}
	}
	assert.True(t, exposed, "a NodePort or LoadBalancer Service exposes HAProxy on 443")

	script, err := os.ReadFile(filepath.Join(repoRoot, "deploy/create-secrets.sh"))
	require.NoError(t, err)
	for _, name := range createdByMinikubeUp {
		assert.Regexp(t, `create secret (tls|generic) `+name+` `, string(script), "deploy/create-secrets.sh (run by minikube-up.sh) must create Secret %s", name)
	}
}

func documents(stream []byte) []string {
	var docs []string
	for _, d := range bytes.Split(stream, []byte("\n---\n")) {
		if len(bytes.TrimSpace(d)) > 0 {
			docs = append(docs, strings.TrimSpace(string(d)))
		}
	}
	slices.Sort(docs)
	return docs
}

// appRoutes reads the paths routers/router.go registers, so a probe cannot
// point at a route the app does not have.
func appRoutes(t *testing.T) []string {
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(repoRoot, "routers/router.go"), nil, 0)
	require.NoError(t, err)
	var routes []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Router" {
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if path, err := strconv.Unquote(lit.Value); err == nil {
					routes = append(routes, path)
				}
			}
		}
		return true
	})
	require.Contains(t, routes, "/readyz")
	require.Contains(t, routes, "/healthz")
	return routes
}

// TestOverlays_RenderLikeKubectl compares the library's output with
// `kubectl kustomize` when a kubectl is at hand (KUBECTL, or the one
// deploy/kube-dry-run.sh builds), so the two cannot drift apart unnoticed.
func TestOverlays_RenderLikeKubectl(t *testing.T) {
	kubectl := os.Getenv("KUBECTL")
	if kubectl != "" {
		_, err := os.Stat(kubectl)
		require.NoError(t, err, "KUBECTL names a kubectl that is not there")
	} else {
		kubectl = filepath.Join(repoRoot, "deploy/kubetools/bin/kubectl")
		if _, err := os.Stat(kubectl); err != nil {
			t.Skipf("no kubectl at %s (deploy/kube-dry-run.sh builds it); the typed checks above still ran", kubectl)
		}
	}
	for _, dir := range overlays(t) {
		out, err := exec.Command(kubectl, "kustomize", dir).Output()
		require.NoError(t, err, "kubectl kustomize %s", dir)
		// kubectl orders the objects its own way; the objects must be the same.
		want, got := documents(render(t, dir)), documents(out)
		require.Equal(t, len(want), len(got), "%s: object count differs with kubectl", dir)
		for i := range want {
			assert.Equal(t, want[i], got[i], "%s: an object renders differently with kubectl", dir)
		}
	}
}

// TestTaggedOverlay_NewTagRenamesTheJobs renders every overlay through
// deploy/tagged-overlay.sh with two build tags: the app and every Job run
// the new image, and each one-off Job gets a new name (the server-side
// "apply, change the image, apply again" is in deploy/kube-dry-run.sh).
func TestTaggedOverlay_NewTagRenamesTheJobs(t *testing.T) {
	script, err := filepath.Abs(filepath.Join(repoRoot, "deploy/tagged-overlay.sh"))
	require.NoError(t, err)
	for _, dir := range overlays(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			names := map[string][]string{}
			for _, tag := range []string{"0.1.0-g1a2b3c4d", "0.1.1-g5e6f7a8b-dirty-0c0ffee0"} {
				out := t.TempDir()
				cmd := exec.Command(script, dir, tag, out)
				msg, err := cmd.CombinedOutput()
				require.NoError(t, err, "%s", msg)
				r := decode(t, render(t, out))
				checkImages(t, r)
				checkJobs(t, r)
				assert.Equal(t, tag, imageTag(r.deployments["inkwell-app"].Spec.Template.Spec.Containers[0].Image))
				require.Contains(t, r.jobs, migrateJobPrefix+tag)
				for name := range r.jobs {
					names[tag] = append(names[tag], name)
				}
			}
			tags := slices.Collect(maps.Keys(names))
			for _, name := range names[tags[0]] {
				assert.NotContains(t, names[tags[1]], name, "Job %s keeps its name when the image changes", name)
			}
		})
	}
}

func TestTaggedOverlay_RefusesMutableTags(t *testing.T) {
	for _, tag := range []string{"local", "latest", "0.1.0-Dirty", ""} {
		out, err := exec.Command(filepath.Join(repoRoot, "deploy/tagged-overlay.sh"), filepath.Join(repoRoot, "k8s/overlays/minikube"), tag, t.TempDir()).CombinedOutput()
		assert.Error(t, err, "tag %q: %s", tag, out)
	}
}

// TestDockerfile_GoVersionMatchesGoMod: the builder image's Go release is
// the one go.mod asks for (a newer go line would make the image build fetch
// a toolchain, or fail offline; an older image would miss fixes).
func TestDockerfile_GoVersionMatchesGoMod(t *testing.T) {
	gomod, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)(\.\d+)?$`).FindSubmatch(gomod)
	require.NotNil(t, m, "go.mod has no go line")
	dockerfile, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	require.NoError(t, err)
	img := regexp.MustCompile(`(?m)^ARG GO_IMAGE=golang:(\d+\.\d+)(\.\d+)?-`).FindSubmatch(dockerfile)
	require.NotNil(t, img, "the Dockerfile names no golang builder image in ARG GO_IMAGE")
	assert.Equal(t, string(m[1]), string(img[1]), "Dockerfile builder Go %s, go.mod wants %s", img[1], m[1])
	assert.Regexp(t, `(?m)^FROM \$\{GO_IMAGE\} AS build$`, string(dockerfile), "the build stage must use GO_IMAGE")
	assert.Contains(t, string(dockerfile), "-X main.version=${VERSION} -X main.commit=${COMMIT}", "build metadata in the binary")
	assert.Contains(t, string(dockerfile), `org.opencontainers.image.version="${VERSION}"`, "build metadata in the image labels")
}
