package manifests

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// The cluster DNS as kubeadm and Minikube configure CoreDNS: the kubernetes
// plugin answers with TTL 30 and the cache plugin keeps answers 30 s. A pod
// that just became ready can stay out of HAProxy's view that long.
const clusterDNSStaleness = 30 * time.Second

// haproxySetting reads one setting of deploy/haproxy/haproxy.cfg.
func haproxySetting(t *testing.T, pattern string) []string {
	src, err := os.ReadFile(filepath.Join(repoRoot, "deploy/haproxy/haproxy.cfg"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)` + pattern).FindStringSubmatch(string(src))
	require.NotNil(t, m, "haproxy.cfg has no line matching %s", pattern)
	return m[1:]
}

func duration(t *testing.T, s string) time.Duration {
	if n, err := strconv.Atoi(s); err == nil { // HAProxy: a bare number is milliseconds
		return time.Duration(n) * time.Millisecond
	}
	d, err := time.ParseDuration(s)
	require.NoError(t, err)
	return d
}

// checkOperations holds the workloads to the operational findings of issue 20.
func checkOperations(t *testing.T, r *rendered) {
	app := r.deployments["inkwell-app"]
	hap := r.deployments["haproxy"]
	require.NotNil(t, app)
	require.NotNil(t, hap)

	// Rollouts lose nothing under the default cluster DNS: an old pod goes
	// only once HAProxy can have learnt its replacement (stale DNS answer,
	// then its next resolution, then "rise" successful checks).
	holdValid := duration(t, haproxySetting(t, `^\s+hold valid (\S+)$`)[0])
	check := haproxySetting(t, `^\s+default-server check inter (\S+) fall \d+ rise (\d+)`)
	rise, err := strconv.Atoi(check[1])
	require.NoError(t, err)
	learn := clusterDNSStaleness + holdValid + time.Duration(rise)*duration(t, check[0])
	assert.GreaterOrEqual(t, time.Duration(app.Spec.MinReadySeconds)*time.Second, learn,
		"inkwell-app minReadySeconds must cover what HAProxy needs to see a new pod (%s)", learn)

	// HAProxy stops softly: preStop, then at most hard-stop-after, inside the grace period.
	hardStop := duration(t, haproxySetting(t, `^\s+hard-stop-after (\S+)$`)[0])
	c := hap.Spec.Template.Spec.Containers[0]
	require.NotNil(t, c.Lifecycle, "haproxy preStop")
	require.NotNil(t, c.Lifecycle.PreStop, "haproxy preStop")
	require.NotNil(t, c.Lifecycle.PreStop.Sleep, "haproxy preStop sleep")
	grace := time.Duration(deref(hap.Spec.Template.Spec.TerminationGracePeriodSeconds, 30)) * time.Second
	assert.Greater(t, grace, time.Duration(c.Lifecycle.PreStop.Sleep.Seconds)*time.Second+hardStop,
		"haproxy's grace period must outlast preStop + hard-stop-after")

	// Spread over nodes.
	for _, d := range []string{"inkwell-app", "haproxy"} {
		spec := r.deployments[d].Spec.Template
		var spread bool
		for _, c := range spec.Spec.TopologySpreadConstraints {
			sel, err := metav1.LabelSelectorAsSelector(c.LabelSelector)
			require.NoError(t, err)
			spread = spread || (c.TopologyKey == "kubernetes.io/hostname" && sel.Matches(labels.Set(spec.Labels)))
		}
		assert.True(t, spread, "%s spreads its pods over nodes", d)
	}

	// Client addresses survive into HAProxy.
	for _, s := range r.services {
		if labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(hap.Spec.Template.Labels)) {
			assert.Equal(t, corev1.ServiceExternalTrafficPolicyLocal, s.Spec.ExternalTrafficPolicy, "Service %s must keep client IPs", s.Name)
		}
	}

	checkNetworkPolicies(t, r)

	// PersistentVolumeClaims that pods mount exist.
	for _, w := range r.workloads {
		for _, v := range w.template.Spec.Volumes {
			if v.PersistentVolumeClaim != nil {
				assert.Contains(t, r.pvcs, v.PersistentVolumeClaim.ClaimName, "%s %s mounts a claim that does not exist", w.kind, w.name)
			}
		}
	}

	// An in-cluster MySQL starts slowly the first time, is protected from
	// eviction and backed up.
	if db, ok := r.statefulSets["mysql"]; ok {
		c := db.Spec.Template.Spec.Containers[0]
		assert.NotNil(t, c.StartupProbe, "mysql needs a startupProbe (first start initialises the data)")
		var pdb bool
		for _, p := range r.pdbs {
			sel, _ := metav1.LabelSelectorAsSelector(p.Spec.Selector)
			pdb = pdb || sel.Matches(labels.Set(db.Spec.Template.Labels))
		}
		assert.True(t, pdb, "a PodDisruptionBudget covers mysql")
		backup, ok := r.cronJobs["mysql-backup"]
		if assert.True(t, ok, "a backup CronJob for the in-cluster MySQL") {
			assert.Contains(t, backup.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Args[0], "mysqldump")
		}
	}
}

// checkNetworkPolicies: everything is denied unless allowed, and the app
// takes requests from HAProxy only.
func checkNetworkPolicies(t *testing.T, r *rendered) {
	var deny bool
	for _, p := range r.netpols {
		if len(p.Spec.PodSelector.MatchLabels) == 0 && len(p.Spec.PodSelector.MatchExpressions) == 0 &&
			len(p.Spec.Ingress) == 0 && len(p.Spec.Egress) == 0 &&
			len(p.Spec.PolicyTypes) == 2 {
			deny = true
		}
		sel, err := metav1.LabelSelectorAsSelector(&p.Spec.PodSelector)
		require.NoError(t, err)
		if !sel.Empty() {
			var any bool
			for _, w := range r.workloads {
				any = any || sel.Matches(labels.Set(w.template.Labels))
			}
			assert.True(t, any, "NetworkPolicy %s selects no pods", p.Name)
		}
	}
	assert.True(t, deny, "a default-deny NetworkPolicy (ingress and egress)")

	app := r.deployments["inkwell-app"].Spec.Template.Labels
	hap := r.deployments["haproxy"].Spec.Template.Labels
	var ingress []networkingv1.NetworkPolicyIngressRule
	for _, p := range r.netpols {
		sel, _ := metav1.LabelSelectorAsSelector(&p.Spec.PodSelector)
		if !sel.Empty() && sel.Matches(labels.Set(app)) {
			ingress = append(ingress, p.Spec.Ingress...)
		}
	}
	require.NotEmpty(t, ingress, "no NetworkPolicy lets requests reach the app")
	for _, rule := range ingress {
		require.NotEmpty(t, rule.From, "the app takes requests from anywhere")
		for _, peer := range rule.From {
			require.NotNil(t, peer.PodSelector, "the app takes requests from outside the namespace's pods")
			assert.Nil(t, peer.IPBlock)
			sel, _ := metav1.LabelSelectorAsSelector(peer.PodSelector)
			assert.True(t, sel.Matches(labels.Set(hap)), "the app takes requests from pods other than HAProxy (%s)", sel)
		}
	}
}
