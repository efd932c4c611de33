// Package procstat reads this process's resident memory and CPU time from /proc, for the
// admin listener's stats and the load tool's own figures. Where there is no /proc, both are 0.
package procstat

import (
	"os"
	"strconv"
	"strings"
)

// ResidentBytes is the process's resident set size.
func ResidentBytes() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(fields[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// CPUSeconds is the user and system CPU time the process has used.
func CPUSeconds() float64 {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	return parseCPU(data)
}

// clockTicks is USER_HZ, the unit of /proc CPU times (100 on every Linux port Go supports).
const clockTicks = 100

// parseCPU reads utime and stime from a /proc/<pid>/stat line. The command name, in
// parentheses, may hold spaces and parentheses: fields are counted after its last ')'.
func parseCPU(stat []byte) float64 {
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 {
		return 0
	}
	fields := strings.Fields(string(stat[i+1:]))
	if len(fields) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return float64(utime+stime) / clockTicks
}
