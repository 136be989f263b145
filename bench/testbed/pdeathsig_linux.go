package testbed

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal makes the kernel kill the child if the parent dies,
// so that a crashed generator leaves no testbed behind.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
