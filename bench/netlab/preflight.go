package netlab

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// ErrUnavailable is wrapped by Preflight's error (and Start's, when the
// preflight fails): this machine or user cannot build a lab. Callers tell
// it from other failures with errors.Is, to exit 2 before anything starts.
var ErrUnavailable = errors.New("the network lab cannot run here")

// The capabilities a lab needs: CAP_NET_ADMIN for the devices, addresses
// and routes, CAP_SYS_ADMIN for setns(2) and the namespaces' bind mounts.
const (
	capNetAdmin = 12
	capSysAdmin = 21
)

// Preflight checks that a lab can be built here, without building one: the
// capabilities CAP_NET_ADMIN and CAP_SYS_ADMIN (root has them), a usable
// /dev/net/tun, and that a network namespace can be created (a container
// may forbid it even to root). Its error wraps ErrUnavailable and says
// every missing piece and how to get it, for example:
//
//	netlab: the network lab cannot run here: missing CAP_NET_ADMIN and CAP_SYS_ADMIN (run as root, for example with sudo); no /dev/net/tun (load the tun module: modprobe tun)
func Preflight() error {
	var missing []string
	caps, err := effectiveCaps()
	switch {
	case err != nil:
		missing = append(missing, fmt.Sprintf("cannot read this process's capabilities: %v", err))
	default:
		var lack []string
		if caps&(1<<capNetAdmin) == 0 {
			lack = append(lack, "CAP_NET_ADMIN")
		}
		if caps&(1<<capSysAdmin) == 0 {
			lack = append(lack, "CAP_SYS_ADMIN")
		}
		if len(lack) > 0 {
			missing = append(missing, fmt.Sprintf("missing %s (run as root, for example with sudo)", strings.Join(lack, " and ")))
		}
	}
	if msg := checkTUN(); msg != "" {
		missing = append(missing, msg)
	}
	if len(missing) == 0 {
		if err := tryNamespace(); err != nil {
			missing = append(missing, fmt.Sprintf("cannot create a network namespace: %v (a container needs --privileged, or CAP_SYS_ADMIN and no seccomp filter against unshare)", err))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("netlab: %w: %s", ErrUnavailable, strings.Join(missing, "; "))
	}
	return nil
}

// effectiveCaps reads the effective capability set of this process from
// /proc/self/status.
func effectiveCaps() (uint64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseCapEff(f)
}

// parseCapEff finds the CapEff line of a /proc/PID/status file.
func parseCapEff(f io.Reader) (uint64, error) {
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapEff:"); ok {
			return strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no CapEff line in /proc/self/status")
}

// checkTUN says what is wrong with /dev/net/tun, or "" when it opens.
// Opening it without TUNSETIFF creates nothing.
func checkTUN() string {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC, 0)
	switch {
	case err == nil:
		unix.Close(fd)
		return ""
	case errors.Is(err, unix.ENOENT):
		return "no /dev/net/tun (load the tun module: modprobe tun; in a container, pass --device /dev/net/tun)"
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return "/dev/net/tun cannot be opened: permission denied"
	case errors.Is(err, unix.ENODEV), errors.Is(err, unix.ENXIO):
		return "/dev/net/tun has no driver (load the tun module: modprobe tun)"
	}
	return fmt.Sprintf("/dev/net/tun cannot be opened: %v", err)
}

// tryNamespace creates a network namespace on a thread of its own, which
// then returns to its namespace; the new one, unreferenced, goes.
func tryNamespace() error {
	errc := make(chan error, 1)
	go func() {
		errc <- onThreadIn(netns.None(), "a new namespace", func() error { return unix.Unshare(unix.CLONE_NEWNET) })
	}()
	return <-errc
}
