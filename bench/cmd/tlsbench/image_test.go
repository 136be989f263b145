package main

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestImageBuilds builds the Dockerfile's static image as `make image`
// does, with podman or buildah (nothing is pulled: it starts FROM scratch),
// checks that the binary in it has no dynamic loader, and runs it once
// with podman. It skips, saying so, when neither builder works here.
func TestImageBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary and an image")
	}
	var builder string
	for _, b := range []string{"podman", "buildah"} {
		if p, err := exec.LookPath(b); err == nil {
			builder = p
			break
		}
	}
	if builder == "" {
		t.Skip("neither podman nor buildah is installed: the image build is not tested")
	}
	ctxDir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(ctxDir, "tlsbench"), ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	bin, err := elf.Open(filepath.Join(ctxDir, "tlsbench"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range bin.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("the image's binary is dynamically linked (it has an ELF interpreter): FROM scratch has no loader")
		}
	}
	bin.Close()
	ca, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	if err != nil {
		t.Skipf("no system CA bundle to put in the image: %v", err)
	}
	if err := os.WriteFile(filepath.Join(ctxDir, "ca-certificates.crt"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
	tag := fmt.Sprintf("localhost/tlsbench-image-test:%d-%d", os.Getpid(), time.Now().UnixNano())
	out, err := exec.Command(builder, "build", "-t", tag, "-f", "Dockerfile", ctxDir).CombinedOutput()
	if err != nil {
		if bytes.Contains(out, []byte("permission denied")) || bytes.Contains(out, []byte("cannot")) {
			t.Skipf("%s cannot build here (%v): the image build is not tested\n%s", filepath.Base(builder), err, out)
		}
		t.Fatalf("%s build: %v\n%s", builder, err, out)
	}
	t.Cleanup(func() { exec.Command(builder, "rmi", "-f", tag).Run() })
	if filepath.Base(builder) != "podman" {
		return
	}
	// What the Job's pods rely on: the entry point, the non-root user,
	// and a binary in the image that runs.
	cfg, err := exec.Command(builder, "image", "inspect", "--format", "{{.Config.Entrypoint}} {{.Config.User}}", tag).Output()
	if err != nil || strings.TrimSpace(string(cfg)) != "[/tlsbench] 65532:65532" {
		t.Errorf("image config %q (%v), want entry point /tlsbench and user 65532:65532", cfg, err)
	}
	id, err := exec.Command(builder, "create", tag, "--version").Output()
	if err != nil {
		t.Fatalf("podman create: %v", err)
	}
	t.Cleanup(func() { exec.Command(builder, "rm", "-f", strings.TrimSpace(string(id))).Run() })
	from := filepath.Join(t.TempDir(), "tlsbench")
	if out, err := exec.Command(builder, "cp", strings.TrimSpace(string(id))+":/tlsbench", from).CombinedOutput(); err != nil {
		t.Fatalf("podman cp: %v\n%s", err, out)
	}
	if got, err := exec.Command(from, "--version").CombinedOutput(); err != nil || !strings.Contains(string(got), "tlsbench version") {
		t.Errorf("the image's /tlsbench --version: %v\n%s", err, got)
	}
	// Running a container needs setrlimit, which some sandboxes refuse.
	got, err := exec.Command(builder, "run", "--rm", "--network", "none", "--read-only", tag, "--version").CombinedOutput()
	switch {
	case err != nil && bytes.Contains(got, []byte("OCI permission denied")):
		t.Logf("podman cannot run containers here (%s): the image was built and its binary run outside it", bytes.TrimSpace(got))
	case err != nil || !strings.Contains(string(got), "tlsbench version"):
		t.Errorf("podman run %s --version: %v\n%s", tag, err, got)
	}
}
