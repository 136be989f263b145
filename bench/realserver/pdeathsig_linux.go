package realserver

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal makes the kernel kill the server if this process
// dies, so that a crashed run leaves no server behind.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
