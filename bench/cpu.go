package bench

import (
	"bytes"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// userHZ is the unit of CPU times in /proc/*/stat and /proc/stat
// (USER_HZ, 100 on every Linux architecture tlsbench runs on).
const userHZ = 100

// CPUTimes is the CPU time a process has used, in user mode and in the
// kernel (system).
type CPUTimes struct {
	User, System time.Duration
}

// Total returns User + System.
func (c CPUTimes) Total() time.Duration { return c.User + c.System }

// Sub returns c − d, part by part.
func (c CPUTimes) Sub(d CPUTimes) CPUTimes {
	return CPUTimes{User: c.User - d.User, System: c.System - d.System}
}

// RusageTimes returns the user and system CPU time of a rusage.
func RusageTimes(ru *syscall.Rusage) CPUTimes {
	return CPUTimes{User: time.Duration(ru.Utime.Nano()), System: time.Duration(ru.Stime.Nano())}
}

// cpuSample is the CPU counters read at one moment.
type cpuSample struct {
	at          time.Time
	self        CPUTimes   // the generator (getrusage)
	servers     []CPUTimes // each server process
	serverOK    bool
	busy, total uint64 // whole machine, in USER_HZ ticks
	machineOK   bool
}

// sampleCPU reads the generator's, the servers' and the machine's CPU
// counters. A server that cannot be read makes serverOK false.
func sampleCPU(pids []int) cpuSample {
	s := cpuSample{at: time.Now(), serverOK: len(pids) > 0}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.self = RusageTimes(&ru)
	}
	for _, pid := range pids {
		d, err := ProcessCPUTimes(pid)
		if err != nil {
			s.serverOK = false
		}
		s.servers = append(s.servers, d)
	}
	s.busy, s.total, s.machineOK = machineCPU()
	return s
}

// ProcessCPU returns the user+system CPU time process pid has used so far,
// read from /proc/PID/stat (in USER_HZ ticks, 10 ms). It returns an error,
// never a zero, when the process cannot be read (it has exited, or this is
// not Linux).
func ProcessCPU(pid int) (time.Duration, error) {
	t, err := ProcessCPUTimes(pid)
	return t.Total(), err
}

// ProcessCPUTimes returns the user and system CPU time process pid has
// used so far (utime and stime of /proc/PID/stat, in USER_HZ ticks, 10 ms
// each), or an error, never a zero, when the process cannot be read.
func ProcessCPUTimes(pid int) (CPUTimes, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return CPUTimes{}, fmt.Errorf("bench: CPU time of process %d: %w", pid, err)
	}
	// The command name (field 2) may hold spaces; fields count from the
	// last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return CPUTimes{}, fmt.Errorf("bench: bad /proc/%d/stat", pid)
	}
	f := strings.Fields(string(data[i+1:]))
	// After ')': state(3) ... utime(14) stime(15) → indexes 11 and 12.
	if len(f) < 13 {
		return CPUTimes{}, fmt.Errorf("bench: short /proc/%d/stat", pid)
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return CPUTimes{}, fmt.Errorf("bench: bad /proc/%d/stat", pid)
	}
	return CPUTimes{User: time.Duration(ut) * time.Second / userHZ, System: time.Duration(st) * time.Second / userHZ}, nil
}

// machineCPU returns the machine's busy and total CPU ticks from /proc/stat.
// Busy is everything but idle and iowait.
func machineCPU() (busy, total uint64, ok bool) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := bytes.Cut(data, []byte{'\n'})
	f := strings.Fields(string(line))
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0, false
	}
	for i, v := range f[1:] {
		if i >= 8 { // guest times are already in user and nice
			break
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, 0, false
		}
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, total, true
}

// cpuDelta is the CPU used between two samples.
type cpuDelta struct {
	wall        time.Duration
	client      CPUTimes
	server      CPUTimes
	serverOK    bool
	machineBusy float64 // fraction of all CPUs, 0..1
	machineOK   bool
}

func diffCPU(a, b cpuSample) cpuDelta {
	d := cpuDelta{wall: b.at.Sub(a.at), client: b.self.Sub(a.self), serverOK: a.serverOK && b.serverOK}
	for i := range b.servers {
		if i < len(a.servers) {
			s := b.servers[i].Sub(a.servers[i])
			d.server.User += s.User
			d.server.System += s.System
		}
	}
	if a.machineOK && b.machineOK && b.total > a.total {
		d.machineOK = true
		d.machineBusy = float64(b.busy-a.busy) / float64(b.total-a.total)
	}
	return d
}

// StartCPUProfile writes a CPU profile of this process (the generator) to
// path until the returned stop is called (tlsbench run's hidden
// --cpuprofile, for finding the generator's own costs).
func StartCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
