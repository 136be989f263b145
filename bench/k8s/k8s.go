// Package k8s writes the Kubernetes objects that run one tlsbench
// scenario as N shards that start together: a ConfigMap holding the
// scenario (and the CA file it names), and an Indexed Job of N pods, each
// of which runs `tlsbench run` as shard JOB_COMPLETION_INDEX of N and
// waits for one start time. Each pod prints its result as one marked line
// on standard output, so that `kubectl logs ... | tlsbench merge -` can
// merge them.
//
// The objects are built from the k8s.io/api types and written with
// sigs.k8s.io/yaml: no YAML is written by hand. The package does not talk
// to a cluster, read scenarios or know tlsbench's exit codes: package main
// gives it the scenario's bytes, its length and the exit codes that must
// fail the Job.
package k8s

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// Environment variables the pods get. JOB_COMPLETION_INDEX is set by the
// Job controller itself in every pod of an Indexed Job.
const (
	EnvShards  = "TLSBENCH_SHARDS"
	EnvStartAt = "TLSBENCH_START_AT"
	EnvIndex   = "JOB_COMPLETION_INDEX"
)

// ContainerName is the name of the pods' one container.
const ContainerName = "tlsbench"

// Where a pod keeps its files: the ConfigMap's files under WorkDir (the
// working directory), result files and throwaway certificates under
// ResultsDir, an emptyDir.
const (
	WorkDir    = "/work"
	ResultsDir = "/results"
)

// Config describes the Job. Name, Image, Shards, StartAt and Scenario
// must be set.
type Config struct {
	// Name names the ConfigMap and the Job: a DNS-1123 label of at most
	// 52 characters (the Job controller appends the index and a suffix to
	// its pods' names).
	Name string
	// Namespace is where they go. Empty: the namespace kubectl uses.
	Namespace string
	// Image is the container image that holds tlsbench at /tlsbench (see
	// the Dockerfile beside package main).
	Image string
	// Shards is the number of shards: completions and parallelism.
	Shards int
	// StartAt is the common start time of every shard.
	StartAt time.Time
	// StartTolerance is how late a shard may be ready and still run
	// (tlsbench run --start-tolerance). Zero: tlsbench's default.
	StartTolerance time.Duration
	// ScenarioFile is the scenario's file name in the pods' working
	// directory ("scenario.yaml"); Scenario its content.
	ScenarioFile string
	Scenario     []byte
	// Files are other files the scenario names (a target's CA file), by
	// the path it names them with (relative to the working directory, or
	// absolute), put in the ConfigMap and mounted where the scenario
	// expects them.
	Files map[string][]byte
	// Deadline bounds the Job's run (activeDeadlineSeconds), counted from
	// the Job's start.
	Deadline time.Duration
	// TTL is how long the finished Job and its pods (and their logs) are
	// kept (ttlSecondsAfterFinished). Zero: an hour.
	TTL time.Duration
	// CPU and Memory are each pod's resource requests (Kubernetes
	// quantities: "1", "500m", "512Mi"); Memory is also its limit. Empty:
	// 1 and 512Mi.
	CPU, Memory string
	// FailJobOn are the exit codes of tlsbench that fail the whole Job at
	// once (bad input, a late start): a retried or late shard would not
	// start with the others.
	FailJobOn []int32
	// Args are more arguments for tlsbench run (before the scenario file).
	Args []string
}

var label = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// LabelName makes s a valid DNS-1123 label of at most max characters
// (lower case, '-' for anything else), for names derived from a
// scenario's.
func LabelName(s string, max int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	for strings.Contains(out, "--") {
		out = strings.ReplaceAll(out, "--", "-")
	}
	if len(out) > max {
		out = strings.TrimRight(out[:max], "-")
	}
	return out
}

func (c *Config) validate() error {
	var errs []error
	if len(c.Name) > 52 || !label.MatchString(c.Name) {
		errs = append(errs, fmt.Errorf("name %q: want a DNS-1123 label (a-z, 0-9, '-') of at most 52 characters", c.Name))
	}
	if c.Namespace != "" && (len(c.Namespace) > 63 || !label.MatchString(c.Namespace)) {
		errs = append(errs, fmt.Errorf("namespace %q: want a DNS-1123 label", c.Namespace))
	}
	if c.Image == "" {
		errs = append(errs, errors.New("no image"))
	}
	if c.Shards < 1 || c.Shards > 100000 {
		errs = append(errs, fmt.Errorf("shards: want 1..100000, got %d", c.Shards))
	}
	if c.StartAt.IsZero() {
		errs = append(errs, errors.New("no start time"))
	}
	if c.ScenarioFile == "" || strings.Contains(c.ScenarioFile, "/") || len(c.Scenario) == 0 {
		errs = append(errs, errors.New("no scenario (a file name and its content)"))
	}
	size := len(c.Scenario)
	for p, data := range c.Files {
		size += len(data)
		if clean := path.Clean(p); clean != p || strings.HasPrefix(p, "../") || p == ".." || p == "" {
			errs = append(errs, fmt.Errorf("file %q: want a clean path inside the working directory, or an absolute one", p))
		}
	}
	if c.CPU == "" {
		c.CPU = "1"
	}
	if c.Memory == "" {
		c.Memory = "512Mi"
	}
	if c.TTL == 0 {
		c.TTL = time.Hour
	}
	if size > 900<<10 {
		errs = append(errs, fmt.Errorf("the ConfigMap would hold %d bytes: at most 1 MiB fits", size))
	}
	for _, q := range []string{c.CPU, c.Memory} {
		if _, err := resource.ParseQuantity(q); err != nil {
			errs = append(errs, fmt.Errorf("resource %q: %w", q, err))
		}
	}
	if c.Deadline <= 0 || c.TTL < 0 {
		errs = append(errs, errors.New("deadline and TTL must be positive"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("k8s: %w", err)
	}
	return nil
}

// Objects returns the ConfigMap and the Indexed Job of cfg:
//
//   - completionMode Indexed, completions = parallelism = Shards, and the
//     pods' restartPolicy Never;
//   - backoffLimitPerIndex 0: a shard that fails is not retried, since a
//     retried shard would start late;
//   - a podFailurePolicy that fails the Job on FailJobOn (the late-start
//     exit code among them);
//   - activeDeadlineSeconds from Deadline, ttlSecondsAfterFinished from
//     TTL, resource requests from CPU and Memory;
//   - TLSBENCH_SHARDS and TLSBENCH_START_AT in the pods' environment
//     (JOB_COMPLETION_INDEX comes from the Job controller);
//   - the pods spread over nodes where they can (preferred anti-affinity):
//     generators on separate machines;
//   - no privileges: a non-root user, a read-only root file system, no
//     capabilities.
func Objects(cfg Config) (*corev1.ConfigMap, *batchv1.Job, error) {
	if err := cfg.validate(); err != nil {
		return nil, nil, err
	}
	labels := map[string]string{
		"app.kubernetes.io/name":       "tlsbench",
		"app.kubernetes.io/instance":   cfg.Name,
		"app.kubernetes.io/managed-by": "tlsbench-k8s-job",
	}
	annotations := map[string]string{"tlsbench/start-at": cfg.StartAt.UTC().Format(time.RFC3339Nano)}
	meta := metav1.ObjectMeta{Name: cfg.Name, Namespace: cfg.Namespace, Labels: labels, Annotations: annotations}

	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta,
		Data:       map[string]string{"scenario": string(cfg.Scenario)},
	}
	// The scenario and relative files under WorkDir; absolute files each
	// mounted at their path.
	items := []corev1.KeyToPath{{Key: "scenario", Path: cfg.ScenarioFile}}
	mounts := []corev1.VolumeMount{
		{Name: "files", MountPath: WorkDir, ReadOnly: true},
		{Name: "results", MountPath: ResultsDir},
		{Name: "tmp", MountPath: "/tmp"},
	}
	for i, p := range slices.Sorted(maps.Keys(cfg.Files)) {
		key := fmt.Sprintf("file%d", i)
		cm.Data[key] = string(cfg.Files[p])
		if path.IsAbs(p) {
			// Projected under its key too: a subPath names a file of the
			// volume, which holds only the items listed.
			items = append(items, corev1.KeyToPath{Key: key, Path: key})
			mounts = append(mounts, corev1.VolumeMount{Name: "files", MountPath: p, SubPath: key, ReadOnly: true})
		} else {
			items = append(items, corev1.KeyToPath{Key: key, Path: p})
		}
	}
	args := []string{"run", "--output", ResultsDir, "--cert-dir", path.Join(ResultsDir, "certs"), "--progress", "off"}
	if cfg.StartTolerance > 0 {
		args = append(args, "--start-tolerance", cfg.StartTolerance.String())
	}
	args = append(append(args, cfg.Args...), cfg.ScenarioFile)
	mem := resource.MustParse(cfg.Memory)
	container := corev1.Container{
		Name:       ContainerName,
		Image:      cfg.Image,
		Args:       args,
		WorkingDir: WorkDir,
		Env: []corev1.EnvVar{
			{Name: EnvShards, Value: strconv.Itoa(cfg.Shards)},
			{Name: EnvStartAt, Value: cfg.StartAt.UTC().Format(time.RFC3339Nano)},
		},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cfg.CPU), corev1.ResourceMemory: mem},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: mem},
		},
		VolumeMounts: mounts,
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr(false),
			ReadOnlyRootFilesystem:   ptr(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		},
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
	}
	pod := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: annotations},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers:    []corev1.Container{container},
			Volumes: []corev1.Volume{
				{Name: "files", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
					LocalObjectReference: corev1.LocalObjectReference{Name: cfg.Name}, Items: items}}},
				{Name: "results", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			},
			SecurityContext: &corev1.PodSecurityContext{
				RunAsNonRoot:   ptr(true),
				RunAsUser:      ptr(int64(65532)),
				RunAsGroup:     ptr(int64(65532)),
				FSGroup:        ptr(int64(65532)),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
			Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
				PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
					Weight: 100,
					PodAffinityTerm: corev1.PodAffinityTerm{
						TopologyKey:   "kubernetes.io/hostname",
						LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/instance": cfg.Name}},
					},
				}},
			}},
		},
	}
	codes := slices.Sorted(slices.Values(cfg.FailJobOn))
	codes = slices.Compact(codes)
	spec := batchv1.JobSpec{
		CompletionMode:          ptr(batchv1.IndexedCompletion),
		Completions:             ptr(int32(cfg.Shards)),
		Parallelism:             ptr(int32(cfg.Shards)),
		BackoffLimitPerIndex:    ptr(int32(0)),
		ActiveDeadlineSeconds:   ptr(int64(cfg.Deadline.Round(time.Second).Seconds())),
		TTLSecondsAfterFinished: ptr(int32(cfg.TTL.Round(time.Second).Seconds())),
		Template:                pod,
	}
	if len(codes) > 0 {
		spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
			Action: batchv1.PodFailurePolicyActionFailJob,
			OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
				ContainerName: ptr(ContainerName),
				Operator:      batchv1.PodFailurePolicyOnExitCodesOpIn,
				Values:        codes,
			},
		}}}
	}
	job := &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: meta,
		Spec:       spec,
	}
	return cm, job, nil
}

// Write writes the objects to w as YAML documents separated by "---", in
// order (the ConfigMap first: the Job's pods mount it).
func Write(w io.Writer, objs ...any) error {
	for i, o := range objs {
		data, err := yaml.Marshal(o)
		if err != nil {
			return fmt.Errorf("k8s: %w", err)
		}
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return err
			}
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// Schedule sets when the shards of a run named name start (startIn after
// now, on a whole second, one more second for the manifest's own way),
// the Job's deadline (the start, the run's length, and five minutes for
// setup and printing the results) and, when unset, the Job's name
// (tlsbench-<name>).
func (c *Config) Schedule(name string, now time.Time, startIn, length time.Duration) {
	c.StartAt = now.Add(startIn).Add(time.Second).Truncate(time.Second)
	c.Deadline = startIn + length + 5*time.Minute
	if c.Name == "" {
		c.Name = "tlsbench-" + LabelName(name, 43)
	}
}

// Collect says when the shards start and the command that collects and
// merges their results once they are done.
func (c Config) Collect() string {
	return fmt.Sprintf("the %d shards start at %s: apply the manifest before then, then collect with\n  kubectl logs -l app.kubernetes.io/instance=%s --tail=-1 --max-log-requests=%d --prefix | tlsbench merge -o merged.json -",
		c.Shards, c.StartAt.UTC().Format(time.RFC3339), c.Name, c.Shards)
}
