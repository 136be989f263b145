package k8s_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tlsbench/tlsbench/bench/k8s"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var startAt = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func config() k8s.Config {
	return k8s.Config{
		Name: "tlsbench-aws-nlb", Namespace: "load", Image: "registry.example/tlsbench:v1",
		Shards: 3, StartAt: startAt, StartTolerance: 2 * time.Second,
		ScenarioFile: "aws-nlb.yaml", Scenario: []byte("name: aws-nlb\ntarget: {address: nlb.example:443, ca_file: certs/ca.pem}\n"),
		Files:    map[string][]byte{"certs/ca.pem": []byte("-----BEGIN CERTIFICATE-----\n...\n"), "/etc/tlsbench/extra.pem": []byte("x")},
		Deadline: 7 * time.Minute, TTL: time.Hour, CPU: "1", Memory: "512Mi",
		FailJobOn: []int32{5, 2, 5},
	}
}

// Decode splits a manifest into its documents and decodes each strictly
// (an unknown or duplicate field is an error) into the type it must be.
func decode(t *testing.T, manifest []byte) (*corev1.ConfigMap, *batchv1.Job) {
	t.Helper()
	docs := strings.Split(string(manifest), "\n---\n")
	if len(docs) != 2 {
		t.Fatalf("%d documents, want a ConfigMap and a Job", len(docs))
	}
	var cm corev1.ConfigMap
	var job batchv1.Job
	if err := yaml.UnmarshalStrict([]byte(docs[0]), &cm); err != nil {
		t.Fatalf("the first document is not a strict ConfigMap: %v", err)
	}
	if err := yaml.UnmarshalStrict([]byte(docs[1]), &job); err != nil {
		t.Fatalf("the second document is not a strict Job: %v", err)
	}
	return &cm, &job
}

// TestManifestGolden writes the manifest, compares it with the golden
// file, decodes the golden file strictly back into a ConfigMap and a Job,
// and checks the Job's invariants.
func TestManifestGolden(t *testing.T) {
	cm, job, err := k8s.Objects(config())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := k8s.Write(&buf, cm, job); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "job.golden.yaml")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("manifest differs from %s (go test -update to accept):\n%s", golden, buf.String())
	}
	gotCM, gotJob := decode(t, want)
	checkInvariants(t, gotCM, gotJob, config())
}

func checkInvariants(t *testing.T, cm *corev1.ConfigMap, job *batchv1.Job, cfg k8s.Config) {
	t.Helper()
	if cm.APIVersion != "v1" || cm.Kind != "ConfigMap" || job.APIVersion != "batch/v1" || job.Kind != "Job" {
		t.Errorf("kinds %s/%s and %s/%s", cm.APIVersion, cm.Kind, job.APIVersion, job.Kind)
	}
	if cm.Name != cfg.Name || job.Name != cfg.Name || cm.Namespace != cfg.Namespace || job.Namespace != cfg.Namespace {
		t.Errorf("names %s/%s, %s/%s", cm.Namespace, cm.Name, job.Namespace, job.Name)
	}
	if cm.Data["scenario"] != string(cfg.Scenario) {
		t.Errorf("the ConfigMap holds %q, want the scenario", cm.Data["scenario"])
	}
	s := job.Spec
	n := int32(cfg.Shards)
	switch {
	case s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion:
		t.Errorf("completionMode %v, want Indexed", s.CompletionMode)
	case s.Completions == nil || *s.Completions != n || s.Parallelism == nil || *s.Parallelism != n:
		t.Errorf("completions %v, parallelism %v, want %d each", s.Completions, s.Parallelism, n)
	case s.BackoffLimitPerIndex == nil || *s.BackoffLimitPerIndex != 0:
		t.Errorf("backoffLimitPerIndex %v, want 0", s.BackoffLimitPerIndex)
	case s.ActiveDeadlineSeconds == nil || *s.ActiveDeadlineSeconds != int64(cfg.Deadline.Seconds()):
		t.Errorf("activeDeadlineSeconds %v, want %v", s.ActiveDeadlineSeconds, cfg.Deadline.Seconds())
	case s.TTLSecondsAfterFinished == nil || *s.TTLSecondsAfterFinished != int32(cfg.TTL.Seconds()):
		t.Errorf("ttlSecondsAfterFinished %v", s.TTLSecondsAfterFinished)
	case s.Template.Spec.RestartPolicy != corev1.RestartPolicyNever:
		t.Errorf("restartPolicy %q, want Never", s.Template.Spec.RestartPolicy)
	}
	pfp := s.PodFailurePolicy
	if pfp == nil || len(pfp.Rules) != 1 || pfp.Rules[0].Action != batchv1.PodFailurePolicyActionFailJob ||
		pfp.Rules[0].OnExitCodes == nil || pfp.Rules[0].OnExitCodes.Operator != batchv1.PodFailurePolicyOnExitCodesOpIn ||
		!slices.Equal(pfp.Rules[0].OnExitCodes.Values, []int32{2, 5}) || *pfp.Rules[0].OnExitCodes.ContainerName != k8s.ContainerName {
		t.Errorf("podFailurePolicy %+v, want FailJob on exit codes 2 and 5 of the tlsbench container", pfp)
	}
	cs := s.Template.Spec.Containers
	if len(cs) != 1 || cs[0].Image != cfg.Image {
		t.Fatalf("containers %+v", cs)
	}
	env := map[string]string{}
	for _, e := range cs[0].Env {
		env[e.Name] = e.Value
	}
	if env[k8s.EnvShards] != "3" || env[k8s.EnvStartAt] != startAt.Format(time.RFC3339Nano) {
		t.Errorf("env %v, want TLSBENCH_SHARDS=3 and TLSBENCH_START_AT=%s", env, startAt.Format(time.RFC3339Nano))
	}
	if _, ok := env[k8s.EnvIndex]; ok {
		t.Errorf("env sets %s, which the Job controller sets", k8s.EnvIndex)
	}
	req := cs[0].Resources.Requests
	if req.Cpu().String() != "1" || req.Memory().String() != "512Mi" {
		t.Errorf("requests %v", req)
	}
	if args := cs[0].Args; args[0] != "run" || args[len(args)-1] != cfg.ScenarioFile || !slices.Contains(args, "--start-tolerance") {
		t.Errorf("args %v", args)
	}
	if sc := cs[0].SecurityContext; sc == nil || !*sc.ReadOnlyRootFilesystem || *sc.AllowPrivilegeEscalation {
		t.Errorf("security context %+v", sc)
	}
	// The files: the scenario and the relative CA under the working
	// directory, the absolute one mounted at its path.
	vol := s.Template.Spec.Volumes[0].ConfigMap
	ca := slices.IndexFunc(vol.Items, func(it corev1.KeyToPath) bool { return it.Path == "certs/ca.pem" })
	if vol.Name != cfg.Name || len(vol.Items) != 3 || vol.Items[0].Path != cfg.ScenarioFile || ca < 0 || cm.Data[vol.Items[ca].Key] != string(cfg.Files["certs/ca.pem"]) {
		t.Errorf("the ConfigMap volume %+v", vol)
	}
	abs := slices.IndexFunc(cs[0].VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/etc/tlsbench/extra.pem" })
	if abs < 0 || cm.Data[cs[0].VolumeMounts[abs].SubPath] != "x" || !slices.ContainsFunc(vol.Items, func(it corev1.KeyToPath) bool { return it.Path == cs[0].VolumeMounts[abs].SubPath }) {
		t.Errorf("mounts %+v: want the absolute file at its path", cs[0].VolumeMounts)
	}
}

func TestObjectsRefuses(t *testing.T) {
	t.Parallel()
	for name, change := range map[string]func(*k8s.Config){
		"bad name":      func(c *k8s.Config) { c.Name = "Bad_Name" },
		"long name":     func(c *k8s.Config) { c.Name = strings.Repeat("a", 53) },
		"no image":      func(c *k8s.Config) { c.Image = "" },
		"no shards":     func(c *k8s.Config) { c.Shards = 0 },
		"no start":      func(c *k8s.Config) { c.StartAt = time.Time{} },
		"escaping file": func(c *k8s.Config) { c.Files = map[string][]byte{"../ca.pem": nil} },
		"bad quantity":  func(c *k8s.Config) { c.Memory = "lots" },
		"too big":       func(c *k8s.Config) { c.Scenario = make([]byte, 1<<20) },
	} {
		cfg := config()
		change(&cfg)
		if _, _, err := k8s.Objects(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestLabelName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"aws-nlb":                "aws-nlb",
		"TLS 1.3 ECDSA, shared":  "tls-1-3-ecdsa-shared",
		"--x--":                  "x",
		strings.Repeat("ab", 40): strings.Repeat("ab", 20)[:39],
	} {
		if got := k8s.LabelName(in, 39); got != want {
			t.Errorf("LabelName(%q) = %q, want %q", in, got, want)
		}
	}
}
